#!/usr/bin/env bash
# Runs one interop test against a freshly started NATS server on a free loopback port.
#
#   run_with_server.sh [--timeout SECS] <server-bin> [server-args...] -- <test-cmd> [args...]
#
# Starts `<server-bin> -a 127.0.0.1 -p -1 --ports_file_dir <dir> [server-args...]`, polls for the
# `<exe>_<pid>.ports` file the server writes once it listens, and runs the test command with:
#   NATS_URL          nats://127.0.0.1:PORT (also when the server requires TLS)
#   NATS_SERVER_BIN   the server binary
#   NATS_SERVER_ARGS  the extra server args, space-joined (informational)
#   NATS_SERVER_PORT  the client port
#   NATS_SERVER_CTL   an executable: `$NATS_SERVER_CTL stop|start|restart|pid`. `start` brings the
#                     server back on the SAME port (`-p PORT`) and returns once it listens. The
#                     harness owns every server started this way and kills it at exit.
#   NATS_TEST_TMPDIR  a scratch dir for the test, removed at exit
# A server arg holding the token @TMPDIR@ gets a fresh per-run directory in its place (the same
# one across `NATS_SERVER_CTL restart`), e.g. `-js -sd @TMPDIR@/js` for a JetStream store.
# The server, however the test ends (failure, timeout, signal), is killed and the temp dir removed.
# On failure the server logs are printed. Exit status is the test command's (124 on timeout).
#
# Internal: `run_with_server.sh --ctl <state-dir> stop|start|restart|pid` (what NATS_SERVER_CTL runs).
set -uo pipefail

readonly kStartTimeout=15  # seconds a server may take to write its ports file
readonly kStopTimeout=10   # seconds a server may take to exit after SIGTERM, before SIGKILL

die() { echo "run_with_server: $*" >&2; exit 2; }

# True while the process exists and is not a zombie (a killed server whose parent has not reaped
# it yet, e.g. one started by `--ctl start` whose parent already exited).
alive() {
  local pid=$1 stat
  [ -n "$pid" ] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

load_state() {
  state=$1
  [ -d "$state" ] || die "no state dir $state"
  bin=$(cat "$state/bin")
  mapfile -d '' server_args < "$state/args"
}

# start_server PORT: starts the server on PORT (-1: a free one), waits for its ports file, and
# records its pid in $state/server.pid and its port in $state/port.
start_server() {
  local port=$1 n pid url="" deadline pdir f
  n=$(( $(cat "$state/starts" 2>/dev/null || echo 0) + 1 ))
  echo "$n" > "$state/starts"
  pdir="$state/ports.$n"
  mkdir -p "$pdir"
  "$bin" -a 127.0.0.1 -p "$port" --ports_file_dir "$pdir" "${server_args[@]}" \
    </dev/null >"$state/server.$n.log" 2>&1 &
  pid=$!
  echo "$pid" > "$state/server.pid"
  deadline=$(( SECONDS + kStartTimeout ))
  while [ -z "$url" ]; do
    for f in "$pdir"/*.ports; do
      [ -f "$f" ] || continue
      # The file may be caught half written: only a closing quote proves the port is complete.
      # nats-server writes tls:// when TLS is required; tests choose TLS themselves, so the URL
      # handed to them is always nats://.
      url=$(grep -oE '"(nats|tls)://127\.0\.0\.1:[0-9]+"' "$f" | head -n1 | tr -d '"')
      url=${url/#tls:/nats:}
    done
    [ -n "$url" ] && break
    if ! alive "$pid"; then
      echo "run_with_server: server exited before listening; log:" >&2
      cat "$state/server.$n.log" >&2
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "run_with_server: no ports file after ${kStartTimeout}s; log:" >&2
      cat "$state/server.$n.log" >&2
      return 1
    fi
    sleep 0.02
  done
  echo "${url##*:}" > "$state/port"
  echo "$url" > "$state/url"
}

stop_server() {
  local pid deadline
  pid=$(cat "$state/server.pid" 2>/dev/null) || return 0
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null
    deadline=$(( SECONDS + kStopTimeout ))
    while alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.02; done
    if alive "$pid"; then
      echo "run_with_server: server $pid ignored SIGTERM for ${kStopTimeout}s; SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null
      while alive "$pid"; do sleep 0.02; done
    fi
  fi
  rm -f "$state/server.pid"
}

ctl() {
  load_state "$1"
  case "${2:-}" in
    stop) stop_server ;;
    start)
      if alive "$(cat "$state/server.pid" 2>/dev/null)"; then die "server already running"; fi
      start_server "$(cat "$state/port")" ;;
    restart) stop_server && start_server "$(cat "$state/port")" ;;
    pid) cat "$state/server.pid" ;;
    *) die "usage: NATS_SERVER_CTL stop|start|restart|pid" ;;
  esac
}

if [ "${1:-}" = --ctl ]; then
  shift
  ctl "$@"
  exit $?
fi

timeout_secs=120
if [ "${1:-}" = --timeout ]; then
  timeout_secs=$2
  shift 2
fi
[ $# -ge 3 ] || die "usage: $0 [--timeout SECS] <server-bin> [server-args...] -- <test-cmd> [args...]"
bin=$1
shift
server_args=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do server_args+=("$1"); shift; done
[ "${1:-}" = -- ] || die "missing -- before the test command"
shift
[ $# -gt 0 ] || die "missing test command"
[ -x "$bin" ] || die "server binary $bin is not executable"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nats-interop.XXXXXX") || die "mktemp failed"
state="$tmp/state"
mkdir -p "$state" "$tmp/work" "$tmp/server"
for i in "${!server_args[@]}"; do server_args[i]=${server_args[i]//@TMPDIR@/$tmp/server}; done
printf '%s' "$bin" > "$state/bin"
if [ ${#server_args[@]} -gt 0 ]; then printf '%s\0' "${server_args[@]}" > "$state/args"
else : > "$state/args"; fi
script_path=$(readlink -f "$0")
printf '#!/bin/sh\nexec %q --ctl %q "$@"\n' "$script_path" "$state" > "$tmp/serverctl"
chmod +x "$tmp/serverctl"

test_pid=""
watchdog_pid=""
status=1
# shellcheck disable=SC2317  # invoked from the traps below
cleanup() {
  trap - EXIT INT TERM HUP
  if [ -n "$test_pid" ] && kill -0 "$test_pid" 2>/dev/null; then
    kill -TERM "$test_pid" 2>/dev/null
    wait "$test_pid" 2>/dev/null
  fi
  stop_server
  if [ "$status" != 0 ]; then
    for f in "$state"/server.*.log; do
      [ -f "$f" ] || continue
      echo "---- $(basename "$f") (last 60 lines) ----" >&2
      tail -n 60 "$f" >&2
    done
  fi
  [ -n "$watchdog_pid" ] && kill "$watchdog_pid" 2>/dev/null
  rm -rf "$tmp"
  exit "$status"
}
trap 'status=$?; cleanup' EXIT
trap 'status=143; cleanup' TERM
trap 'status=130; cleanup' INT
trap 'status=129; cleanup' HUP

# If this script is SIGKILLed (e.g. by CTest on timeout), nothing above runs: a watchdog then
# kills the test (`timeout` leads its own process group) and whichever server is current, and
# removes the temp dir.
harness_pid=$$
(
  trap '' TERM INT HUP
  while kill -0 "$harness_pid" 2>/dev/null; do sleep 1; done
  pgid=$(cat "$state/test.pgid" 2>/dev/null) && kill -KILL -- "-$pgid" 2>/dev/null
  pid=$(cat "$state/server.pid" 2>/dev/null) && kill -KILL "$pid" 2>/dev/null
  rm -rf "$tmp"
) </dev/null >/dev/null 2>&1 &
watchdog_pid=$!

start_server -1 || { status=2; exit 2; }

export NATS_URL NATS_SERVER_BIN NATS_SERVER_ARGS NATS_SERVER_PORT NATS_SERVER_CTL NATS_TEST_TMPDIR
NATS_URL=$(cat "$state/url")
NATS_SERVER_BIN=$bin
NATS_SERVER_ARGS="${server_args[*]}"
NATS_SERVER_PORT=$(cat "$state/port")
NATS_SERVER_CTL="$tmp/serverctl"
NATS_TEST_TMPDIR="$tmp/work"

# In the background, so that `wait` returns at once when a trapped signal arrives.
timeout --kill-after=5 "$timeout_secs" "$@" &
test_pid=$!
echo "$test_pid" > "$state/test.pgid"
wait "$test_pid"
status=$?
test_pid=""
if [ $status = 124 ]; then echo "run_with_server: test timed out after ${timeout_secs}s" >&2; fi
exit $status
