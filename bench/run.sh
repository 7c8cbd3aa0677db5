#!/usr/bin/env bash
# Builds natsbench (and natsd, if it is missing) and compares natsd against nats-server.
#
#   bench/run.sh [natsbench flags...]     e.g. bench/run.sh --rounds 5 --markdown
#   bench/run.sh --tls                    the TLS workloads (tls-*), not in the default set
#
# Environment: BUILD_DIR (default build), NATSD (default $BUILD_DIR/apps/natsd/natsd),
# REF (default /usr/sbin/nats-server), JOBS (default 1). Flags given here override the defaults,
# so `bench/run.sh --natsd /path/to/natsd` works too.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
natsd=${NATSD:-$build/apps/natsd/natsd}
ref=${REF:-/usr/sbin/nats-server}
jobs=${JOBS:-1}

if [[ ! -f $build/build.ninja && ! -f $build/Makefile ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" -j"$jobs" --target natsbench
if [[ -z ${NATSD:-} && ! -x $natsd && " $* " != *" --natsd"* ]]; then
  cmake --build "$build" -j"$jobs" --target natsd ||
    echo "run.sh: could not build natsd; pass --natsd PATH" >&2
fi

exec "$build/bench/natsbench" --natsd "$natsd" --ref "$ref" "$@"
