#!/usr/bin/env bash
# Builds the libFuzzer targets with Clang in build-fuzz and fuzzes the client protocol parser.
#   scripts/fuzz.sh [seconds]      (default 60)
# Runs single-process on a working copy of fuzz/corpus/client_parser (build-fuzz/corpus/...),
# so the seeds stay as they are; new inputs accumulate in the copy. A crash, leak, timeout or
# violated property makes the script exit non-zero and leaves the input in build-fuzz/artifacts/.
# FUZZ_BUILD_JOBS sets the build parallelism (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
jobs=${FUZZ_BUILD_JOBS:-$(nproc)}

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi

cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DNATS_FUZZ=ON -DNATS_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j "$jobs" --target client_parser_fuzz

work=build-fuzz/corpus/client_parser
mkdir -p "$work" build-fuzz/artifacts
cp -n fuzz/corpus/client_parser/* "$work"/

ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  build-fuzz/fuzz/client_parser_fuzz -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=8192 -dict=fuzz/client_parser.dict -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/ "$work"
