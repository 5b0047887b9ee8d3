#!/usr/bin/env bash
# Installs dependencies, builds dbsync, and runs the main job: `dbsync demo`,
# two SQLite replicas and a git remote in a temp folder going through the
# three sync scenarios of DESIGN §8.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDBSYNC_BUILD_TESTS=OFF -DDBSYNC_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target dbsync
"$BUILD_DIR/dbsync" demo "$@"
