#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite: the check
# that CI runs (.ci/run) and that README.md tells a new developer to run.
#
# A throwaway PostgreSQL server (scripts/postgres-test-server.sh) runs for
# the duration of ctest, so the PostgreSQL store's contract and end-to-end
# tests run against a real server; it is stopped on every exit, failures
# included. DBSYNC_TEST_POSTGRES_URL set by the caller is used as it is
# instead (and no server is started); DBSYNC_SKIP_POSTGRES=1 runs without.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
scripts/build.sh
scripts/check-format.sh

PG_DIR=
stop_postgres() {
  if [ -n "$PG_DIR" ]; then scripts/postgres-test-server.sh stop "$PG_DIR" || true; fi
}
trap stop_postgres EXIT
if [ -z "${DBSYNC_TEST_POSTGRES_URL:-}" ] && [ -z "${DBSYNC_SKIP_POSTGRES:-}" ]; then
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dbsync-pg-test.XXXXXX")
  DBSYNC_TEST_POSTGRES_URL=$(scripts/postgres-test-server.sh start "$PG_DIR")
  export DBSYNC_TEST_POSTGRES_URL
  echo "test.sh: PostgreSQL test server at $DBSYNC_TEST_POSTGRES_URL"
fi

ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" --timeout 900
stop_postgres
PG_DIR=
# A short fuzz run of every libFuzzer target; long runs: scripts/fuzz.sh --seconds 3600.
[ -n "${DBSYNC_SKIP_FUZZ:-}" ] || scripts/fuzz.sh --seconds "${DBSYNC_FUZZ_SECONDS:-15}"
