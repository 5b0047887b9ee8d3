#!/usr/bin/env bash
# PostgreSQL export/import benchmark (DESIGN §9, issue 6), each figure beside
# a baseline run in the same run on the same data: psql doing the equivalent
# COPY and upsert.
#
#   bench/postgres_bench.sh [ROWS] [CHANGES]      (defaults 1000000 and 100000)
#
# DBSYNC=path/to/dbsync picks the binary (default: build/dbsync, else the
# newest build-*/dbsync). A throwaway server is started with
# scripts/postgres-test-server.sh (unix socket, fsync off for all: the same
# for dbsync and psql) and stopped at the end; DBSYNC_BENCH_POSTGRES_URL uses
# an existing server instead (its databases dbsync_bench_a/_b/_base are
# dropped and recreated). Snapshots go to bench/out/postgres/ (git-ignored).
# Rows are PNL-like, about 200 bytes as canonical JSON; 256 shards.
#
# Beside wall time each figure shows CPU seconds, which a loaded machine
# disturbs much less: dbsync's own (user+sys) and the server's (its
# backends' user+sys, from the postmaster's counters of exited children;
# only with the server the bench starts itself). BENCH_BULK_ONLY=1 runs
# the first export and the bulk import only.
set -euo pipefail

ROWS=${1:-1000000}
CHANGES=${2:-100000}
BENCH=postgres_bench
. "$(dirname "$0")/lib.sh"
OUT="$ROOT/bench/out/postgres"
need psql "psql (Debian's postgresql-client)"
[ "$CHANGES" -le "$ROWS" ] || { echo "postgres_bench: CHANGES must not exceed ROWS" >&2; exit 2; }
STEP=$((ROWS / CHANGES))

rm -rf "$OUT"
mkdir -p "$OUT/a" "$OUT/b" "$OUT/base"
chmod 755 "$OUT" "$OUT/base"   # the server (another user when run as root) reads and writes COPY files here
cd "$OUT"

PG_DIR=
cleanup() { if [ -n "$PG_DIR" ]; then "$ROOT/scripts/postgres-test-server.sh" stop "$PG_DIR" >/dev/null || true; fi; }
trap cleanup EXIT
ADMIN=${DBSYNC_BENCH_POSTGRES_URL:-}
if [ -z "$ADMIN" ]; then
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dbsync-pg-bench.XXXXXX")
  ADMIN=$("$ROOT/scripts/postgres-test-server.sh" start "$PG_DIR")
fi
# url_for DBNAME: the admin URL with another database name.
url_for() { echo "$ADMIN" | sed -E "s#^(postgres(ql)?://[^/?]*)/?[^?]*#\1/$1#"; }
A=$(url_for dbsync_bench_a)
B=$(url_for dbsync_bench_b)
BASE=$(url_for dbsync_bench_base)
for db in dbsync_bench_a dbsync_bench_b dbsync_bench_base; do
  psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
done

CLK_TCK=$(getconf CLK_TCK)
# The server's CPU seconds so far: exited backends' user+sys, as the
# postmaster counts them (psql's and dbsync's connections end with each step).
server_cpu() {
  if [ -n "$PG_DIR" ] && [ -r "$PG_DIR/data/postmaster.pid" ]; then
    awk -v t="$CLK_TCK" '{printf "%.2f", ($16 + $17) / t}' "/proc/$(head -1 "$PG_DIR/data/postmaster.pid")/stat"
  else
    echo 0
  fi
}
# run_dbsync ARGS...: runs dbsync, sets d (wall seconds), dcpu (its CPU
# seconds) and dsrv (the server's CPU seconds meanwhile).
run_dbsync() {
  local s0 t
  s0=$(server_cpu); t=$(now)
  /usr/bin/time -f '%U %S' -o "$OUT/time.out" "$DBSYNC" "$@" > /dev/null
  d=$(secs "$t")
  sleep 0.3   # the postmaster reaps the backend
  dcpu=$(awk '{printf "%.2f", $1 + $2}' "$OUT/time.out")
  dsrv=$(echo "$(server_cpu) - $s0" | bc -l | xargs printf '%.2f')
}
# Before a baseline step: base_start; after it: base_end sets b and bsrv.
base_start() { bs0=$(server_cpu); t=$(now); }
base_end() { b=$(secs "$t"); sleep 0.3; bsrv=$(echo "$(server_cpu) - $bs0" | bc -l | xargs printf '%.2f'); }
results=()
# record LABEL ROWS DBSYNC_SECS BASELINE_LABEL BASELINE_SECS, with $dcpu,
# $dsrv and $bsrv from the steps just run.
record() {
  results+=("$(printf '%-44s %9d %8.3f s %11s rows/s  cpu %6.2f + srv %6.2f | %-34s %8.3f s %11s rows/s  srv %6.2f' \
    "$1" "$2" "$3" "$(rate "$2" "$3")" "$dcpu" "$dsrv" "$4" "$5" "$(rate "$2" "$5")" "$bsrv")")
}

echo "postgres_bench: $ROWS rows, $CHANGES changes, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "$("$DBSYNC" --version), $(psql -tA "$ADMIN" -c 'SHOW server_version')"

# --- data ------------------------------------------------------------------
SCHEMA="CREATE TABLE pnl (id bigint PRIMARY KEY, user_id integer NOT NULL, user_name text NOT NULL,
  ts timestamptz NOT NULL, ticker text NOT NULL, profit_usd double precision, profit_sol double precision, note text)"
psql -q "$A" <<SQL
$SCHEMA;
INSERT INTO pnl SELECT i, i % 5000, 'trader_' || (i % 5000), to_timestamp(1767225600 + i * 30),
  (ARRAY['SOL','BONK','JUP','WIF','PYTH'])[i % 5 + 1], round(((i % 1000) * 1.37 - 600)::numeric, 2)::float8,
  round(((i % 777) * 0.0137 - 5)::numeric, 4)::float8, 'trade ' || i || ' closed by strategy momentum-v' || (i % 7)
FROM generate_series(1, $ROWS) AS i;
VACUUM ANALYZE pnl;
SQL
psql -q "$BASE" -c "$SCHEMA"
printf 'version = 1\n[defaults]\nshards = 256\n' > a/dbsync.toml
mkdir -p a/.dbsync b/.dbsync
printf 'replica = "bench-a"\n' > a/.dbsync/local.toml
printf 'replica = "bench-b"\n' > b/.dbsync/local.toml
sync

JSON_SELECT="SELECT json_build_object('id', id, 'note', note, 'profit_sol', profit_sol, 'profit_usd', profit_usd,
  'ticker', ticker, 'ts', ts, 'user_id', user_id, 'user_name', user_name) FROM pnl"

# --- 1. export of every row (first export) ---------------------------------
run_dbsync export -C a --db "$A"
sync
base_start; psql -q "$A" -c "\\copy pnl TO '$OUT/base/pnl.copy'"; sync base/pnl.copy; base_end
record "export, first (all rows new)" "$ROWS" "$d" "psql: \\copy pnl TO file" "$b"
base_start; psql -q "$A" -c "\\copy ($JSON_SELECT) TO '$OUT/base/pnl.json'"; sync base/pnl.json; base_end
record "export, first (all rows new)" "$ROWS" "$d" "psql: \\copy (json_build_object)" "$b"
echo "snapshot: $(du -sb a/dbsync | cut -f1) bytes ($(du -sb base/pnl.json | cut -f1) as psql JSON lines)"

# --- 2. export with nothing changed (full rescan) ---------------------------
if [ -z "${BENCH_BULK_ONLY:-}" ]; then
sync
run_dbsync export -C a --db "$A"
base_start; psql -q "$A" -c "COPY pnl TO STDOUT" > /dev/null; base_end
record "export, nothing changed (full rescan)" "$ROWS" "$d" "psql: COPY pnl TO STDOUT" "$b"
fi

# --- 3. bulk import into an empty database ----------------------------------
cp a/dbsync.toml b/ && cp -r a/dbsync b/
sync
run_dbsync import -C b --db "$B"
base_start; psql -q "$BASE" -c "\\copy pnl FROM '$OUT/base/pnl.copy'"; base_end
record "import into an empty database (bulk)" "$ROWS" "$d" "psql: \\copy pnl FROM file" "$b"

# --- 4. export of CHANGES changed rows -------------------------------------
if [ -z "${BENCH_BULK_ONLY:-}" ]; then
psql -q "$A" -c "UPDATE pnl SET profit_usd = profit_usd + 1.5, note = note || ' (amended)' WHERE id % $STEP = 0"
sync
run_dbsync export -C a --db "$A"
base_start; psql -q "$A" -c "\\copy (SELECT * FROM pnl WHERE id % $STEP = 0) TO '$OUT/base/changed.copy'"; base_end
record "export, $CHANGES changed (full rescan)" "$CHANGES" "$d" "psql: \\copy the changed rows" "$b"

# --- 5. apply of CHANGES changed rows into the ROWS-row database ------------
rm -rf b/dbsync && cp -r a/dbsync b/   # the pull: a fast-forward to A's snapshot
sync
run_dbsync import -C b --db "$B"
base_start
psql -q "$BASE" <<SQL
BEGIN;
CREATE TEMP TABLE stage (LIKE pnl) ON COMMIT DROP;
\\copy stage FROM '$OUT/base/changed.copy'
INSERT INTO pnl SELECT * FROM stage ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id,
  user_name = excluded.user_name, ts = excluded.ts, ticker = excluded.ticker, profit_usd = excluded.profit_usd,
  profit_sol = excluded.profit_sol, note = excluded.note;
COMMIT;
SQL
base_end
record "import, $CHANGES changed into $ROWS rows" "$CHANGES" "$d" "psql: COPY + upsert, 1 txn" "$b"
fi

# --- check ------------------------------------------------------------------
"$DBSYNC" verify -C b --db "$B" > /dev/null
q="SELECT count(*), sum(profit_usd)::numeric(20,2), md5(string_agg(note, ',' ORDER BY id)) FROM pnl"
[ "$(psql -tA "$B" -c "$q")" = "$(psql -tA "$A" -c "$q")" ] ||
  { echo "postgres_bench: replica b differs from a" >&2; exit 1; }
[ "$(psql -tA "$BASE" -c "$q")" = "$(psql -tA "$A" -c "$q")" ] ||
  { echo "postgres_bench: the psql baseline differs from a" >&2; exit 1; }

echo
printf '%-44s %9s %10s %18s  %-24s | %-34s %10s %18s  %s\n' "dbsync" "rows" "time" "rate" "CPU s: dbsync + server" \
  "baseline (same run)" "time" "rate" "server CPU s"
for r in "${results[@]}"; do echo "$r"; done
echo
echo "target (DESIGN §9): PostgreSQL through COPY >= 200,000 rows/s"
