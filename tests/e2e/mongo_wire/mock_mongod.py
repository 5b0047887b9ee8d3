#!/usr/bin/python3
"""A scripted MongoDB wire-protocol server for dbsync's wire tests.

Built on Debian's python3-mockupdb. It keeps a tiny in-memory database (the
subset of MongoDB the dbsync store uses: hello/isMaster, ping,
listCollections, listIndexes, find/getMore, insert, update (replacements),
delete, create, createIndexes, dropDatabase), logs every command it receives as one line
of canonical Extended JSON to --log, and injects faults:

  --hangup NAME:N   close the connection instead of answering the N-th
                    command called NAME (1-based); later ones are answered
  --auth-fail       answer saslStart with AuthenticationFailed (code 18)
  --touch NAME:N:COLL:ID
                    before answering the N-th command NAME, set field
                    "touched" of document _id ID (an int) in COLL, as an
                    application writing at that moment would
  --replset         answer hello as the primary of replica set "rs0" with
                    sessions (so the client uses transactions); accepts
                    commitTransaction / abortTransaction (it does not model
                    their effect: writes apply at once)
  --batch N         first and next batches of find/getMore hold N documents
  --wire N          maxWireVersion in hello (default 13, MongoDB 5.0)
  --version V       version in buildInfo (default 5.0.0)
  --stall NAME:N[:after]
                    do not answer the N-th command NAME (before applying
                    it, or with ":after" after applying it) until the
                    client goes away; logs {"stalled": NAME} first, so a
                    test can kill the client at that point
  --data FILE       initial documents: lines {"c": collection, "d": document}
                    in canonical Extended JSON

It serves on 127.0.0.1 on an ephemeral port, prints the port on stdout, and
exits on SIGTERM, when stdin closes, or after --lifetime seconds.
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from collections import OrderedDict

import bson
from bson import json_util
from mockupdb import MockupDB

OPTS = json_util.JSONOptions(json_mode=json_util.JSONMode.CANONICAL, document_class=OrderedDict)


def enc(value):
    """Exact (type and order sensitive) comparison key of a BSON value."""
    return bson.encode({"v": value})


class Db:
    def __init__(self):
        self.colls = OrderedDict()  # name -> list of OrderedDict documents
        self.indexes = {}  # name -> list of index specs
        self.cursors = {}
        self.next_cursor = 1000
        self.lock = threading.Lock()


def matches(doc, flt):
    for k, cond in flt.items():
        if k == "$or":
            if not any(matches(doc, f) for f in cond):
                return False
        elif k == "$expr":
            eq = cond["$eq"]
            assert eq[0] == "$$ROOT", eq
            if bson.encode(doc) != bson.encode(eq[1]["$literal"]):
                return False
        elif isinstance(cond, dict) and "$in" in cond:
            if "__in" not in cond:
                cond["__in"] = {enc(v) for v in cond["$in"]}
            if k not in doc or enc(doc[k]) not in cond["__in"]:
                return False
        else:
            if k not in doc or enc(doc[k]) != enc(cond):
                return False
    return True


def key_of(doc, coll_indexes):
    keys = [("_id",)]
    for ix in coll_indexes:
        if ix.get("unique"):
            keys.append(tuple(ix["key"].keys()))
    return [tuple(enc(doc.get(f)) for f in k) for k in keys]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--data")
    ap.add_argument("--hangup", action="append", default=[])
    ap.add_argument("--auth-fail", action="store_true")
    ap.add_argument("--touch", action="append", default=[])
    ap.add_argument("--replset", action="store_true")
    ap.add_argument("--batch", type=int, default=101)
    ap.add_argument("--wire", type=int, default=13)
    ap.add_argument("--version", default="5.0.0")
    ap.add_argument("--stall", action="append", default=[])
    ap.add_argument("--lifetime", type=float, default=120)
    args = ap.parse_args()

    db = Db()
    if args.data:
        with open(args.data) as f:
            for line in f:
                if line.strip():
                    rec = json_util.loads(line, json_options=OPTS)
                    db.colls.setdefault("app." + rec["c"], []).append(rec["d"])
    hangups = {}
    for h in args.hangup:
        name, n = h.split(":")
        hangups[name.lower()] = int(n)
    stalls = {}
    for st in args.stall:
        parts = st.split(":")
        stalls[(parts[0].lower(), int(parts[1]))] = len(parts) > 2 and parts[2] == "after"
    seen = {}
    touches = {}
    for t in args.touch:
        name, n, coll, ident = t.split(":")
        touches[(name.lower(), int(n))] = (coll, int(ident))
    log = open(args.log, "a", buffering=1)

    hello = OrderedDict(
        [("ismaster", True), ("isWritablePrimary", True), ("maxWireVersion", args.wire), ("minWireVersion", 0),
         ("maxBsonObjectSize", 16777216), ("maxMessageSizeBytes", 48000000), ("maxWriteBatchSize", 100000),
         ("ok", 1)])

    server = MockupDB(port=None, request_timeout=30)
    server._address = ("127.0.0.1", 0)
    if args.replset:
        hello["setName"] = "rs0"
        hello["logicalSessionTimeoutMinutes"] = 30
        hello["secondary"] = False

    def handle(req):
        doc = req.doc
        name = next(iter(doc.keys())) if doc else ""
        lname = name.lower()
        if lname in ("ismaster", "hello"):
            return req.replies(hello)
        logged = OrderedDict((k, v) for k, v in doc.items() if k not in ("$clusterTime",))
        log.write(json_util.dumps(logged, json_options=OPTS) + "\n")
        seen[lname] = seen.get(lname, 0) + 1
        if hangups.get(lname) == seen[lname]:
            log.write('{"hangup": "%s"}\n' % name)
            return req.hangup()
        stall = stalls.get((lname, seen[lname]))
        if stall is False:
            stall_until_gone(name)
            return req.hangup()
        with db.lock:
            touch = touches.get((lname, seen[lname]))
            if touch:
                for d in db.colls.get("app." + touch[0], []):
                    if d.get("_id") == touch[1]:
                        d["touched"] = True
                log.write('{"touched": %d}\n' % touch[1])
            if stall is None:
                return dispatch(req, lname, doc)
            # Applied, but the client never hears of it.
            dispatch(FakeReq(), lname, doc)
        stall_until_gone(name)
        return req.hangup()

    class FakeReq:
        def replies(self, *args, **kwargs):
            return True

    def stall_until_gone(name):
        # The test kills the client when it reads this line; the server
        # then hangs up on the dead connection.
        log.write('{"stalled": "%s"}\n' % name)
        time.sleep(3)

    def dispatch(req, lname, doc):
        dbname = doc.get("$db", "test")
        if lname == "saslstart" or lname == "saslcontinue":
            if args.auth_fail:
                return req.replies(ok=0, code=18, codeName="AuthenticationFailed", errmsg="Authentication failed.")
            return req.replies(ok=0, code=18, errmsg="this mock server has no users")
        if lname == "buildinfo":
            return req.replies(version=args.version, ok=1)
        if lname in ("ping", "endsessions", "committransaction", "aborttransaction"):
            return req.replies(ok=1)
        if lname == "listcollections":
            flt = doc.get("filter", {})
            out = []
            for ns in db.colls:
                if not ns.startswith(dbname + "."):
                    continue
                n = ns[len(dbname) + 1:]
                if "name" in flt and flt["name"] != n:
                    continue
                out.append(OrderedDict([("name", n), ("type", "collection"), ("options", {}),
                                        ("info", {"readOnly": False})]))
            return req.replies(cursor={"id": bson.int64.Int64(0), "ns": dbname + ".$cmd.listCollections",
                                       "firstBatch": out})
        if lname == "listindexes":
            n = doc["listIndexes"]
            if dbname + "." + n not in db.colls:
                return req.replies(ok=0, code=26, errmsg="ns does not exist")
            out = [OrderedDict([("v", 2), ("key", {"_id": 1}), ("name", "_id_")])] + db.indexes.get(dbname + "." + n, [])
            return req.replies(cursor={"id": bson.int64.Int64(0), "ns": dbname + "." + n, "firstBatch": out})
        if lname == "dropdatabase":
            for ns in [ns for ns in db.colls if ns.startswith(dbname + ".")]:
                del db.colls[ns]
                db.indexes.pop(ns, None)
            return req.replies(ok=1)
        if lname == "create":
            db.colls.setdefault(dbname + "." + doc["create"], [])
            return req.replies(ok=1)
        if lname == "createindexes":
            db.colls.setdefault(dbname + "." + doc["createIndexes"], [])
            db.indexes.setdefault(dbname + "." + doc["createIndexes"], []).extend(doc["indexes"])
            return req.replies(ok=1)
        if lname == "find":
            n = doc["find"]
            docs = [d for d in db.colls.get(dbname + "." + n, []) if matches(d, doc.get("filter", {}))]
            return first_batch(req, dbname + "." + n, docs)
        if lname == "getmore":
            cid = int(doc["getMore"])
            rest = db.cursors.pop(cid, [])
            batch, rest = rest[:args.batch], rest[args.batch:]
            if rest:
                db.cursors[cid] = rest
            return req.replies(cursor={"id": bson.int64.Int64(cid if rest else 0),
                                       "ns": dbname + "." + doc["collection"], "nextBatch": batch})
        if lname == "killcursors":
            for cid in doc.get("cursors", []):
                db.cursors.pop(int(cid), None)
            return req.replies(ok=1)
        if lname == "insert":
            n = dbname + "." + doc["insert"]
            coll = db.colls.setdefault(n, [])
            errors, count = [], 0
            ix = db.indexes.get(n, [])
            existing = {k for o in coll for k in key_of(o, ix)}
            for i, d in enumerate(doc["documents"]):
                keys = key_of(d, ix)
                if any(k in existing for k in keys):
                    errors.append({"index": i, "code": 11000, "errmsg": "E11000 duplicate key error"})
                    if doc.get("ordered", True):
                        break
                    continue
                coll.append(d)
                existing.update(keys)
                count += 1
            if errors:
                return req.replies(n=count, writeErrors=errors)
            return req.replies(n=count)
        if lname == "update":
            coll = db.colls.setdefault(dbname + "." + doc["update"], [])
            matched = 0
            for u in doc["updates"]:
                for i, d in enumerate(coll):
                    if matches(d, u["q"]):
                        repl = OrderedDict(u["u"])
                        if "_id" not in repl:
                            repl = OrderedDict([("_id", d["_id"])] + list(repl.items()))
                        coll[i] = repl
                        matched += 1
                        break
            return req.replies(n=matched, nModified=matched)
        if lname == "delete":
            coll = db.colls.setdefault(dbname + "." + doc["delete"], [])
            removed = 0
            for dl in doc["deletes"]:
                for i, d in enumerate(coll):
                    if matches(d, dl["q"]):
                        del coll[i]
                        removed += 1
                        break
            return req.replies(n=removed)
        return req.replies(ok=0, code=59, errmsg="no such command: " + lname)

    def first_batch(req, ns, docs):
        batch, rest = docs[:args.batch], docs[args.batch:]
        cid = 0
        if rest:
            db.next_cursor += 1
            cid = db.next_cursor
            db.cursors[cid] = rest
        return req.replies(cursor={"id": bson.int64.Int64(cid), "ns": ns, "firstBatch": batch})

    server.autoresponds(handle)
    port = server.run()
    if args.replset:
        hello["hosts"] = ["127.0.0.1:%d" % port]
        hello["me"] = "127.0.0.1:%d" % port
    print(port, flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())

    def watch_stdin():
        try:
            sys.stdin.read()
        finally:
            done.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    done.wait(args.lifetime)
    log.close()
    os._exit(0)


if __name__ == "__main__":
    main()
