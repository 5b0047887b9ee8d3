#!/usr/bin/env python3
"""Baseline for bench/merge_bench.sh: a straightforward Python dict-based
three-way merge of the same snapshot folders dbsync merges (DESIGN §9).

Loads every record of base, ours and theirs into dicts keyed by the record
key (json.loads of each line), applies DESIGN §3 rules 1-5 with the `newer`
policy and field-by-field merge of top-level fields, and writes the merged
records as canonical-looking JSON lines (sorted keys, no spaces), one file.
It checks neither hashes nor canonical form nor sort order: it is the
"obvious" script a user would write, given the benefit of every doubt.

  merge_baseline.py BASE OURS THEIRS OUT_FILE [--key id]
Prints one line: name=python-dict-merge records=N seconds=S records_per_s=R
"""
import glob
import json
import os
import sys
import time


def load(folder, key):
    recs = {}
    for path in sorted(glob.glob(os.path.join(folder, "dbsync", "*", "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                recs[rec["d"][key]] = rec
    return recs


def merge_docs(b, o, t, ours_newer):
    out = {}
    for name in set(o) | set(t):
        ov, tv, bv = o.get(name, KeyError), t.get(name, KeyError), b.get(name, KeyError)
        if ov == tv or ov == bv:
            v = tv
        elif tv == bv:
            v = ov
        else:
            v = ov if ours_newer else tv
        if v is not KeyError:
            out[name] = v
    return out


def main():
    args = sys.argv[1:]
    key = "id"
    if "--key" in args:
        i = args.index("--key")
        key = args[i + 1]
        del args[i:i + 2]
    base_dir, ours_dir, theirs_dir, out_file = args
    t0 = time.perf_counter()
    base, ours, theirs = load(base_dir, key), load(ours_dir, key), load(theirs_dir, key)
    merged = {}
    for k in set(ours) | set(theirs) | set(base):
        b, o, t = base.get(k), ours.get(k), theirs.get(k)
        bd = b["d"] if b else None
        od = o["d"] if o else None
        td = t["d"] if t else None
        if od == td:
            rec = max(o, t, key=lambda r: r["r"]) if o else None
        elif od == bd:
            rec = t
        elif td == bd:
            rec = o
        elif o and t:
            rec = {"d": merge_docs(bd or {}, od, td, o["r"] > t["r"]), "r": max(o["r"], t["r"])}
        else:
            rec = o or t  # delete vs edit: keep
        if rec:
            merged[k] = rec
    with open(out_file, "w", encoding="utf-8") as f:
        for k in sorted(merged, key=lambda x: json.dumps([x])):
            rec = merged[k]
            f.write(json.dumps({"d": rec["d"], "r": rec["r"]}, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False))
            f.write("\n")
    secs = time.perf_counter() - t0
    n = len(merged)
    print(f"python-dict-merge threads=1 records={n} seconds={secs:.3f} records_per_s={n / secs:.0f}")


if __name__ == "__main__":
    main()
