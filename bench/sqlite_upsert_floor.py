#!/usr/bin/env python3
"""How fast any SQLite client can write scattered changed rows on this disk.

    bench/sqlite_upsert_floor.py [OUT]     (default bench/out/sqlite, after bench/sqlite_bench.sh)

Takes the rows bench/sqlite_bench.sh changed (every STEP-th id of OUT/a/db.sqlite,
STEP from the row count / 10,000) and writes them into copies of the unchanged
file (OUT/base/bulk.sqlite) with one prepared UPDATE in one transaction, the
least work an import can do: no parsing, no planning, no backup. Each setting
runs ROUNDS times (default 3); the page cache is flushed (sync) before each.
It shows the floor that DESIGN §9's 50,000 changed rows/s into a 1,000,000-row
table meets here: with the rollback journal every changed page is copied to the
journal first, and only a run without any journal (which no import that promises
rollback may use) gets near the target.
"""
import os
import shutil
import sqlite3
import sys
import tempfile
import time

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "out", "sqlite")
rounds = int(os.environ.get("ROUNDS", "3"))
source = os.path.join(out, "a", "db.sqlite")
base = os.path.join(out, "base", "bulk.sqlite")
for path in (source, base):
    if not os.path.exists(path):
        sys.exit(f"sqlite_upsert_floor: {path} is missing; run bench/sqlite_bench.sh first")

src = sqlite3.connect(source)
total = src.execute("SELECT count(*) FROM pnl").fetchone()[0]
step = max(1, total // 10000)
rows = src.execute(f"SELECT * FROM pnl WHERE id % {step} = 0").fetchall()
src.close()

SETTINGS = [
    ("disk, default settings", None, []),
    ("disk, mmap (as dbsync opens it)", None, ["PRAGMA mmap_size = 2147418112"]),
    ("tmpfs, mmap", "/dev/shm", ["PRAGMA mmap_size = 2147418112"]),
    ("tmpfs, no journal, no fsync (unsafe)", "/dev/shm", ["PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF"]),
]
print(f"sqlite_upsert_floor: {len(rows)} changed rows into {total} rows, {os.cpu_count()} cores, "
      f"load {os.getloadavg()[0]:.2f}, SQLite {sqlite3.sqlite_version}")
for name, folder, pragmas in SETTINGS:
    if folder and not os.path.isdir(folder):
        print(f"{name:40s} skipped: no {folder}")
        continue
    times = []
    for _ in range(rounds):
        target_dir = tempfile.mkdtemp(dir=folder or out)
        target = os.path.join(target_dir, "u.sqlite")
        shutil.copy(base, target)
        os.sync()
        db = sqlite3.connect(target, isolation_level=None)
        for p in pragmas:
            db.execute(p)
        t = time.perf_counter()
        db.execute("BEGIN")
        db.executemany("UPDATE pnl SET user_id = ?2, user_name = ?3, ts = ?4, ticker = ?5, profit_usd = ?6, "
                       "profit_sol = ?7, note = ?8 WHERE id = ?1", rows)
        db.execute("COMMIT")
        times.append(time.perf_counter() - t)
        db.close()
        shutil.rmtree(target_dir)
    times.sort()
    median = times[len(times) // 2]
    print(f"{name:40s} median {median:.3f} s = {len(rows) / median:9,.0f} rows/s   "
          f"(rounds: {', '.join(f'{x:.3f}' for x in times)} s)")
print("target (DESIGN §9): >= 50,000 changed rows/s into a 1,000,000-row table, for the whole import")
