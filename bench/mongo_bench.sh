#!/usr/bin/env bash
# MongoDB export/import benchmark (DESIGN §9, issue 6), each figure beside a
# baseline run in the same run on the same data: pymongo doing the same
# reads and writes (find to JSON lines, insert_many, bulk replace_one).
#
#   DBSYNC_TEST_MONGODB_URL=mongodb://host:port/?replicaSet=rs0 bench/mongo_bench.sh [DOCS] [CHANGES]
#
# Defaults 1,000,000 documents and 100,000 changes. Needs a MongoDB server
# (none is installable from Debian here, see docs/stores/mongodb.md §7 for a
# one-node replica set in docker): without DBSYNC_TEST_MONGODB_URL the
# script says it is skipped and exits 0. Its databases dbsync_bench_a, _b
# and _base on that server are dropped and recreated (the URL's own
# database, if any, is not touched). Needs python3 with pymongo (Debian's
# python3-pymongo, a dependency of python3-mockupdb) for the data and the
# baseline. DBSYNC=path/to/dbsync picks the binary (default: build/dbsync,
# else the newest build-*/dbsync). Snapshots go to bench/out/mongo/.
# Documents are PNL-like, about 200 bytes as canonical JSON; 256 shards.
set -euo pipefail

DOCS=${1:-1000000}
CHANGES=${2:-100000}
if [ -z "${DBSYNC_TEST_MONGODB_URL:-}" ]; then
  echo "mongo_bench: skipped: DBSYNC_TEST_MONGODB_URL is not set (see docs/stores/mongodb.md, 'Benchmark')"
  exit 0
fi
BENCH=mongo_bench
. "$(dirname "$0")/lib.sh"
OUT="$ROOT/bench/out/mongo"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" -c 'import pymongo' 2>/dev/null ||
  { echo "mongo_bench: needs python3 with pymongo (Debian's python3-pymongo)" >&2; exit 2; }
[ "$CHANGES" -le "$DOCS" ] || { echo "mongo_bench: CHANGES must not exceed DOCS" >&2; exit 2; }
STEP=$((DOCS / CHANGES))

rm -rf "$OUT"
mkdir -p "$OUT/a" "$OUT/b" "$OUT/base"
cd "$OUT"

# url_for DBNAME: the test URL with another database name, options kept.
url_for() {
  "$PY" - "$DBSYNC_TEST_MONGODB_URL" "$1" <<'PY'
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + sys.argv[2], u.query, u.fragment)))
PY
}
A=$(url_for dbsync_bench_a)
B=$(url_for dbsync_bench_b)
BASE=$(url_for dbsync_bench_base)

# py STEP…: the pymongo side (data, baseline, checks), one step per call.
py() {
  "$PY" - "$A" "$B" "$BASE" "$DOCS" "$STEP" "$OUT/base" "$@" <<'PY'
import datetime, sys
import pymongo
from bson import json_util
a_url, b_url, base_url, docs, step, out, what = sys.argv[1:8]
docs, step = int(docs), int(step)
def db(url):
    return pymongo.MongoClient(url).get_default_database()
def row(i):
    return {"_id": i, "user_id": i % 5000, "user_name": "trader_%d" % (i % 5000),
            "ts": datetime.datetime(2026, 1, 1) + datetime.timedelta(seconds=30 * i),
            "ticker": ["SOL", "BONK", "JUP", "WIF", "PYTH"][i % 5],
            "profit_usd": round((i % 1000) * 1.37 - 600, 2), "profit_sol": round((i % 777) * 0.0137 - 5, 4),
            "note": "trade %d closed by strategy momentum-v%d" % (i, i % 7)}
if what == "setup":
    for url in (a_url, b_url, base_url):
        c = pymongo.MongoClient(url)
        c.drop_database(c.get_default_database().name)
    a = db(a_url)
    for first in range(1, docs + 1, 10000):
        a.pnl.insert_many([row(i) for i in range(first, min(first + 10000, docs + 1))], ordered=False)
elif what == "find":      # baseline of an export: every document as JSON lines
    with open(out + "/pnl.json", "w") as f:
        for d in db(a_url).pnl.find({}, batch_size=10000):
            f.write(json_util.dumps(d) + "\n")
elif what == "insert":    # baseline of a bulk import: insert_many into an empty collection
    base = db(base_url)
    batch = []
    for d in db(a_url).pnl.find({}, batch_size=10000):
        batch.append(d)
        if len(batch) == 10000:
            base.pnl.insert_many(batch, ordered=False)
            batch = []
    if batch:
        base.pnl.insert_many(batch, ordered=False)
elif what in ("change", "replace"):
    # change: the application amends every STEP-th document of a;
    # replace: the baseline of importing them, bulk replace_one by _id.
    source, target = db(a_url), db(a_url if what == "change" else base_url)
    ids = list(range(step, docs + 1, step))
    for first in range(0, len(ids), 10000):
        found = list(source.pnl.find({"_id": {"$in": ids[first:first + 10000]}}))
        if what == "change":
            for d in found:
                d["profit_usd"] += 1.5
                d["note"] += " (amended)"
        target.pnl.bulk_write([pymongo.ReplaceOne({"_id": d["_id"]}, d) for d in found], ordered=True)
elif what == "check":     # b (dbsync) and base (pymongo) hold what a holds
    def digest(url):
        n, total = 0, 0.0
        for d in db(url).pnl.find({}, {"profit_usd": 1, "note": 1}).sort("_id", 1):
            n += 1
            total += d["profit_usd"]
        return n, round(total, 2)
    want = digest(a_url)
    for url, who in ((b_url, "replica b"), (base_url, "the pymongo baseline")):
        if digest(url) != want:
            sys.exit("mongo_bench: %s differs from a" % who)
PY
}

results=()
record() {
  results+=("$(printf '%-44s %9d %8.3f s %11s docs/s | %-30s %8.3f s %11s docs/s' "$1" "$2" "$3" \
    "$(rate "$2" "$3")" "$4" "$5" "$(rate "$2" "$5")")")
}

echo "mongo_bench: $DOCS documents, $CHANGES changes, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "$("$DBSYNC" --version), pymongo $("$PY" -c 'import pymongo; print(pymongo.version)')"
py setup
printf 'version = 1\n[defaults]\nshards = 256\n' > a/dbsync.toml
mkdir -p a/.dbsync b/.dbsync
printf 'replica = "bench-a"\n' > a/.dbsync/local.toml
printf 'replica = "bench-b"\n' > b/.dbsync/local.toml

# --- 1. export of every document (first export) ----------------------------
t=$(now); "$DBSYNC" export -C a --db "$A" > /dev/null; d=$(secs "$t")
t=$(now); py find; bf=$(secs "$t")
record "export, first (all documents new)" "$DOCS" "$d" "pymongo: find to JSON lines" "$bf"

# --- 2. export with nothing changed (full rescan) ---------------------------
t=$(now); "$DBSYNC" export -C a --db "$A" > /dev/null; d=$(secs "$t")
record "export, nothing changed (full rescan)" "$DOCS" "$d" "pymongo: find to JSON lines" "$bf"

# --- 3. bulk import into an empty database ----------------------------------
cp a/dbsync.toml b/ && cp -r a/dbsync b/
t=$(now); "$DBSYNC" import -C b --db "$B" > /dev/null; d=$(secs "$t")
t=$(now); py insert; b=$(secs "$t")
record "import into an empty database (bulk)" "$DOCS" "$d" "pymongo: insert_many" "$b"

# --- 4. export and import of CHANGES changed documents ----------------------
py change
t=$(now); "$DBSYNC" export -C a --db "$A" > /dev/null; d=$(secs "$t")
record "export, $CHANGES changed (full rescan)" "$DOCS" "$d" "pymongo: find to JSON lines" "$bf"
rm -rf b/dbsync && cp -r a/dbsync b/
t=$(now); "$DBSYNC" import -C b --db "$B" > /dev/null; d=$(secs "$t")
t=$(now); py replace; b=$(secs "$t")
record "import, $CHANGES changed into $DOCS" "$CHANGES" "$d" "pymongo: bulk replace_one" "$b"

# --- check ------------------------------------------------------------------
"$DBSYNC" verify -C b --db "$B" > /dev/null
py check

echo
printf '%-44s %9s %10s %18s | %-30s %10s %18s\n' "dbsync" "docs" "time" "rate" "baseline (same run)" "time" "rate"
for r in "${results[@]}"; do echo "$r"; done
