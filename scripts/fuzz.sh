#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) in build-fuzz/ with clang and
# runs each for N seconds (docs/JSON.md §5). Exits non-zero if a target
# crashes, trips a sanitizer or breaks one of its invariants; the input is
# saved as build-fuzz/crash-* (replay: build-fuzz/tests/fuzz/<target> <file>).
#
#   scripts/fuzz.sh                         30 s per target (CI)
#   scripts/fuzz.sh --seconds 3600          an hour per target
#   scripts/fuzz.sh --target record_line_fuzzer --seconds 600
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=30
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --seconds=*) seconds=${1#--seconds=}; shift ;;
    --target) targets+=("${2:?--target needs a name}"); shift 2 ;;
    --target=*) targets+=("${1#--target=}"); shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fuzz: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz: --seconds needs a whole number, not '$seconds'" >&2; exit 2 ;; esac
[ ${#targets[@]} -gt 0 ] || targets=(json_parse_fuzzer record_line_fuzzer)

BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
SHARED=${DBSYNC_SHARED_TESTDATA:-../shared/testdata}

# A clang that has libFuzzer and can compile libstdc++'s <expected> (clang 14
# cannot). Newest first; FUZZ_CXX overrides.
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
printf '#include <expected>\n#include <cstdint>\n#include <cstddef>\nextern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { std::expected<int, int> e = 1; return *e - 1; }\n' \
  >"$probe_dir/probe.cpp"
cxx=""
for candidate in ${FUZZ_CXX:-} clang++-21 clang++-20 clang++-19 clang++-18 clang++-17 clang++-16 clang++; do
  command -v "$candidate" >/dev/null 2>&1 || continue
  if "$candidate" -std=c++23 -fsanitize=fuzzer,address,undefined "$probe_dir/probe.cpp" -o "$probe_dir/probe" \
      >/dev/null 2>&1; then
    cxx=$candidate
    break
  fi
done
if [ -z "$cxx" ]; then
  echo "fuzz: no clang found that has libFuzzer and compiles C++23 <expected>" >&2
  echo "try: apt-get install clang-19 libclang-rt-19-dev (or set FUZZ_CXX)" >&2
  exit 1
fi
cc=${cxx/clang++/clang}

# Reconfigure from scratch if the build folder was made with another compiler.
if [ -f "$BUILD_DIR/CMakeCache.txt" ] && ! grep -q "^CMAKE_CXX_COMPILER:.*/${cxx}\$" "$BUILD_DIR/CMakeCache.txt"; then
  rm -rf "$BUILD_DIR"
fi
echo "fuzz: building ${targets[*]} with $cxx in $BUILD_DIR/"
CC=$(command -v "$cc") CXX=$(command -v "$cxx") cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDBSYNC_BUILD_FUZZ=ON -DDBSYNC_BUILD_TESTS=OFF -DDBSYNC_BUILD_BENCH=OFF >/dev/null
if ! cmake --build "$BUILD_DIR" -j "$(nproc)" --target "${targets[@]}" >"$BUILD_DIR/build.log" 2>&1; then
  grep -E "error|Error" "$BUILD_DIR/build.log" | head -30 >&2
  echo "fuzz: build failed; full log: $BUILD_DIR/build.log" >&2
  exit 1
fi

seeds_for() {
  case "$1" in
    json_parse_fuzzer) echo "$SHARED/JSONTestSuite/test_parsing $SHARED/JSONTestSuite/test_transform $SHARED/json-canonicalization/input" ;;
    record_line_fuzzer) echo "tests/fuzz/corpus/record_line $SHARED/JSONTestSuite/test_parsing" ;;
    *) echo "" ;;
  esac
}

status=0
for target in "${targets[@]}"; do
  corpus="$BUILD_DIR/corpus/$target"
  mkdir -p "$corpus"
  seed_dirs=()
  for dir in $(seeds_for "$target"); do
    if [ -d "$dir" ]; then seed_dirs+=("$dir"); else echo "fuzz: warning: no seed folder $dir" >&2; fi
  done
  log="$BUILD_DIR/$target.log"
  echo "fuzz: running $target for ${seconds}s (log: $log)"
  set +e
  "$BUILD_DIR/tests/fuzz/$target" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=4096 \
    -dict=tests/fuzz/json.dict -artifact_prefix="$BUILD_DIR/" -print_final_stats=1 \
    "$corpus" "${seed_dirs[@]}" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  if [ $rc -ne 0 ]; then
    echo "fuzz: FAILED $target (exit $rc) after ${runs:-?} runs; end of $log:" >&2
    tail -40 "$log" >&2
    status=1
  else
    echo "fuzz: ok $target: ${runs:-?} runs, ${speed:-?} exec/s, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) files"
  fi
done
exit $status
