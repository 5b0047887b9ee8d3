#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite: the check
# that CI runs (.ci/run) and that README.md tells a new developer to run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
scripts/build.sh
scripts/check-format.sh
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" --timeout 900
# A short fuzz run of every libFuzzer target; long runs: scripts/fuzz.sh --seconds 3600.
[ -n "${DBSYNC_SKIP_FUZZ:-}" ] || scripts/fuzz.sh --seconds "${DBSYNC_FUZZ_SECONDS:-15}"
