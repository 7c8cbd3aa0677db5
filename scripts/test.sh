#!/usr/bin/env bash
# Builds natsd and runs every test. `--ci` adds -Werror and the sanitizer pass.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
werror=OFF
sanitize=1
if [ "${1:-}" = "--ci" ]; then werror=ON; fi
if [ "${NATS_SKIP_SANITIZE:-0}" = 1 ]; then sanitize=0; fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNATS_WERROR=$werror
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs" -LE slow)

if [ $sanitize = 1 ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNATS_SANITIZE=ON \
    -DNATS_WERROR=$werror -DNATS_BUILD_BENCH=OFF
  cmake --build build-asan -j "$jobs"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j "$jobs" -L unit)
fi

# A short libFuzzer run of each parser (their seed corpora also run above as unit tests).
if [ "${1:-}" = "--ci" ] && command -v clang >/dev/null 2>&1; then
  scripts/fuzz.sh 40
fi
