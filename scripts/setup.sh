#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the benchmarks need, then the pinned
# npm packages of the JavaScript interop tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

packages=(
  build-essential cmake ninja-build pkg-config git
  libasio-dev libssl-dev openssl libsodium-dev libcrypt-dev zlib1g-dev
  libabsl-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nats-server libnats-dev
  python3 nodejs npm procps
  clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# The machine may carry its own Node.js; only install Debian's when there is none.
if command -v node >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

if [ -f tests/interop/js/package-lock.json ]; then
  (cd tests/interop/js && npm ci --no-audit --no-fund --loglevel=error)
fi
