#!/usr/bin/env bash
# Builds the libFuzzer targets with Clang in build-fuzz and fuzzes the protocol parsers (what
# clients send, what servers send) and the configuration parser, each for the given time.
#   scripts/fuzz.sh [seconds]      (default 60, per target)
# Runs single-process on a working copy of each fuzz/corpus/<target> (build-fuzz/corpus/...),
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
cmake --build build-fuzz -j "$jobs" --target client_parser_fuzz server_parser_fuzz config_parser_fuzz

# Each target gets the time given, on its own working copy of its seed corpus.
for target in client_parser server_parser config_parser; do
  work=build-fuzz/corpus/$target
  mkdir -p "$work" build-fuzz/artifacts
  cp -n fuzz/corpus/$target/* "$work"/
  dict=()
  [ -f fuzz/$target.dict ] && dict=(-dict=fuzz/$target.dict)
  echo "fuzz.sh: $target for ${seconds}s"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    build-fuzz/fuzz/${target}_fuzz -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 "${dict[@]}" -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/ \
    "$work"
done
