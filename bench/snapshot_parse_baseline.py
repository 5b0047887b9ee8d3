#!/usr/bin/env python3
"""Baseline for bench/snapshot_parse.sh: Python's json module on every line of
every shard of a snapshot (the same files the C++ run reads).

  snapshot_parse_baseline.py DIR [--canonical]

Default: json.loads() of every line (parsing only, no checks).
--canonical: also re-serialises each document with sorted keys and no
white space and compares it with the line's "d" text -- roughly the
canonical-form check dbsync does, still without the hash, rev, key, shard
and order checks (Python has no XXH3 in its standard library).

Prints one line in the same format as validate_snapshot.
"""
import glob
import json
import os
import sys
import time


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    canonical = "--canonical" in sys.argv[1:]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    files = sorted(glob.glob(os.path.join(args[0], "dbsync", "*", "*.jsonl")))
    records = 0
    nbytes = 0
    mismatches = 0
    start = time.perf_counter()
    loads = json.loads
    dumps = json.dumps
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        nbytes += len(data)
        for line in data.split(b"\n"):
            if not line:
                continue
            rec = loads(line)
            if canonical:
                text = line[5 : line.rindex(b',"h":"')].decode("utf-8")
                again = dumps(rec["d"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                if again != text:
                    # Python writes some numbers differently from dbsync
                    # (e.g. 1e-07 for 1e-7); count them, don't stop.
                    mismatches += 1
            records += 1
    secs = time.perf_counter() - start
    mode = "python-json-canonical" if canonical else "python-json-loads"
    print(
        f"{mode} threads=1 records={records} bytes={nbytes} seconds={secs:.3f} "
        f"records_per_s={records / secs:.0f} mb_per_s={nbytes / secs / 1e6:.1f} root=-"
        + (f" mismatches={mismatches}" if canonical else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
