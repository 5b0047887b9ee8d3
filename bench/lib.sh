# Helpers the whole-program benchmarks share; sourced, not run:
#
#   BENCH=sqlite_bench; . "$(dirname "$0")/lib.sh"
#
# Sets ROOT (the checkout) and DBSYNC (an absolute path: $DBSYNC if given,
# else build/dbsync, else the newest build-*/dbsync; exit 2 when none).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${DBSYNC:-}" ]; then
  DBSYNC="$ROOT/build/dbsync"
  [ -x "$DBSYNC" ] || DBSYNC=$(ls -t "$ROOT"/build*/dbsync 2>/dev/null | head -1)
fi
[ -x "$DBSYNC" ] || { echo "$BENCH: no dbsync binary; build it or set DBSYNC" >&2; exit 2; }
DBSYNC=$(realpath "$DBSYNC")

# need COMMAND WHAT: exit 2 naming WHAT when COMMAND is missing.
need() { command -v "$1" >/dev/null || { echo "$BENCH: needs $2" >&2; exit 2; }; }
need bc bc
now() { date +%s.%N; }
# secs START -> seconds since START (from now)
secs() { echo "$(now) - $1" | bc -l; }
# rate COUNT SECONDS -> COUNT per second, rounded
rate() { echo "$1 / $2" | bc -l | xargs printf '%.0f'; }
