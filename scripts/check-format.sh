#!/usr/bin/env bash
# Fails when a C++ file is not formatted as .clang-format says.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cpp' '*.h' 2>/dev/null || find src tests bench -name '*.cpp' -o -name '*.h')
[ -n "$files" ] || exit 0
if ! echo "$files" | xargs clang-format --dry-run --Werror 2>/tmp/dbsync-format.log; then
  head -20 /tmp/dbsync-format.log
  echo "check-format: run 'scripts/format.sh' to fix" >&2
  exit 1
fi
echo "check-format: $(echo "$files" | wc -l) files formatted"
