#!/usr/bin/env python3
"""Runs `nats bench` (our tool, built on our client library) against natsd and nats-server
and prints one Markdown table: median of each figure over the rounds, and the ratio.

    bench/nats_bench_table.py [--nats PATH] [--natsd PATH] [--ref PATH] [--rounds 3]
                              [--workloads pub,pubsub-16,...]

Unlike natsbench (a raw-socket load generator built to keep the client out of the way), this
is what a user sees with the everyday tool: the client library is part of the measurement, so
the ratios are smaller where the client, not the server, is the limit.

For every workload and round a fresh server is started on a free loopback port; natsd goes
first in odd rounds and nats-server in even ones, so neither always gets the warmer machine.
Each `nats bench` run has a time limit; a run that fails is reported and left out.

The js-* workloads (`nats bench --js`) run against nats-server only, started with `-js` and a
store in a temp dir: natsd has no JetStream yet, so its column shows "-".
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN_TIMEOUT = 120  # seconds one `nats bench` run may take

# id -> (what, nats bench arguments, figures to report). A figure is (label, regex on the
# tool's output, unit, higher_is_better).
THROUGHPUT = r"NATS Pub/Sub stats: ([\d,]+) msgs/sec"
PUB_ONLY = r"NATS Pub stats: ([\d,]+) msgs/sec"
WORKLOADS = {
    "pub": ("pub-only 16 B: 1 publisher", ["--pub", "1", "--msgs", "5000000", "--size", "16"],
            [("msgs/s", PUB_ONLY, "msgs/s", True)]),
    "pubsub-16": ("pub->sub 16 B: 1 publisher, 1 subscriber",
                  ["--pub", "1", "--sub", "1", "--msgs", "3000000", "--size", "16"],
                  [("msgs/s", THROUGHPUT, "msgs/s", True)]),
    "pubsub-1k": ("pub->sub 1 KB: 1 publisher, 1 subscriber",
                  ["--pub", "1", "--sub", "1", "--msgs", "500000", "--size", "1024"],
                  [("msgs/s", THROUGHPUT, "msgs/s", True)]),
    "fanout": ("fan-out 16 B: 1 publisher, 5 subscribers",
               ["--pub", "1", "--sub", "5", "--msgs", "1000000", "--size", "16"],
               [("msgs/s", THROUGHPUT, "msgs/s", True)]),
    "fanin": ("fan-in 16 B: 5 publishers, 1 subscriber",
              ["--pub", "5", "--sub", "1", "--msgs", "3000000", "--size", "16"],
              [("msgs/s", THROUGHPUT, "msgs/s", True)]),
    "reqrep": ("request/reply 128 B: 1 requester, 1 responder",
               ["--pub", "1", "--sub", "1", "--request", "--reply", "--msgs", "20000"],
               [("req/s", r"NATS Req/Rep stats: ([\d,]+) msgs/sec", "req/s", True),
                ("p50", r"p50 ([\d.]+(?:µs|ms|s|ns))", "µs", False),
                ("p99", r"p99 ([\d.]+(?:µs|ms|s|ns))", "µs", False)]),
    "js-pub": ("JetStream pub 128 B, file, async window 100: 1 publisher",
               ["--js", "--pub", "1", "--msgs", "200000", "--storage", "file"],
               [("msgs/s", r"NATS JetStream Pub stats: ([\d,]+) msgs/sec", "msgs/s", True),
                ("ack p50", r"Ack latency.*p50 ([\d.]+(?:µs|ms|s|ns))", "µs", False),
                ("ack p99", r"Ack latency.*p99 ([\d.]+(?:µs|ms|s|ns))", "µs", False)]),
    "js-pubsync": ("JetStream pub 128 B, memory, sync acks: 1 publisher",
                   ["--js", "--pub", "1", "--msgs", "20000", "--storage", "memory", "--syncpub"],
                   [("msgs/s", r"NATS JetStream Pub stats: ([\d,]+) msgs/sec", "msgs/s", True),
                    ("ack p50", r"Ack latency.*p50 ([\d.]+(?:µs|ms|s|ns))", "µs", False),
                    ("ack p99", r"Ack latency.*p99 ([\d.]+(?:µs|ms|s|ns))", "µs", False)]),
    "js-ordered": ("JetStream pub->ordered consumer 128 B, memory",
                   ["--js", "--pub", "1", "--sub", "1", "--msgs", "200000", "--storage",
                    "memory"],
                   [("msgs/s", r"NATS JetStream Pub/Sub stats: ([\d,]+) msgs/sec", "msgs/s",
                     True)]),
    "js-pull": ("JetStream pub->pull consumer 128 B, memory, fetch 100, explicit acks",
                ["--js", "--pub", "1", "--sub", "1", "--pull", "--msgs", "100000", "--storage",
                 "memory"],
                [("msgs/s", r"NATS JetStream Pub/Sub stats: ([\d,]+) msgs/sec", "msgs/s",
                  True)]),
}
JETSTREAM_ONLY = {w for w in WORKLOADS if w.startswith("js-")}  # nats-server with -js only


def to_number(text):
    """'1,234' -> 1234.0; Go durations ('160.299µs', '4.1ms') -> microseconds."""
    m = re.fullmatch(r"([\d.]+)(ns|µs|ms|s)", text)
    if m:
        scale = {"ns": 1e-3, "µs": 1.0, "ms": 1e3, "s": 1e6}[m.group(2)]
        return float(m.group(1)) * scale
    return float(text.replace(",", ""))


class Server:
    def __init__(self, binary, jetstream=False):
        self.dir = tempfile.TemporaryDirectory()
        js = ["-js", "-sd", os.path.join(self.dir.name, "store")] if jetstream else []
        self.proc = subprocess.Popen(
            [binary, "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", self.dir.name, *js],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ports = Path(self.dir.name) / f"{os.path.basename(binary)}_{self.proc.pid}.ports"
        deadline = time.monotonic() + 15
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{binary} exited at start")
            try:
                self.url = json.loads(ports.read_text())["nats"][0]
                return
            except (FileNotFoundError, json.JSONDecodeError, KeyError, IndexError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{binary} wrote no ports file")
                time.sleep(0.02)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.dir.cleanup()


def run_once(tool, server_bin, args, figures, jetstream=False):
    server = Server(server_bin, jetstream)
    try:
        out = subprocess.run([tool, "-s", server.url, "bench", "bench.subject", "--no-progress",
                              *args], capture_output=True, text=True, timeout=RUN_TIMEOUT)
    finally:
        server.stop()
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip() or f"exit {out.returncode}")
    values = {}
    for label, pattern, _, _ in figures:
        m = re.search(pattern, out.stdout)
        if not m:
            raise RuntimeError(f"no '{label}' in: {out.stdout.strip()}")
        values[label] = to_number(m.group(1))
    return values


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nats", default=str(ROOT / "build/apps/nats/nats"))
    p.add_argument("--natsd", default=str(ROOT / "build/apps/natsd/natsd"))
    p.add_argument("--ref", default="/usr/sbin/nats-server")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    args = p.parse_args()

    ids = [w for w in args.workloads.split(",") if w]
    unknown = [w for w in ids if w not in WORKLOADS]
    if unknown:
        p.error(f"unknown workloads {unknown}; known: {', '.join(WORKLOADS)}")
    servers = [("natsd", args.natsd), ("nats-server", args.ref)]

    rows = []
    for wid in ids:
        what, bench_args, figures = WORKLOADS[wid]
        samples = {name: {f[0]: [] for f in figures} for name, _ in servers}
        js = wid in JETSTREAM_ONLY
        for rnd in range(args.rounds):
            order = servers if rnd % 2 == 0 else list(reversed(servers))
            for name, binary in order:
                if js and name == "natsd":
                    continue  # no JetStream in natsd yet
                try:
                    values = run_once(args.nats, binary, bench_args, figures, js)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    print(f"{wid} round {rnd + 1} {name}: failed: {e}", file=sys.stderr)
                    continue
                for label, v in values.items():
                    samples[name][label].append(v)
                print(f"{wid} round {rnd + 1} {name}: {values}", file=sys.stderr)
        for label, _, unit, higher_better in figures:
            fig = unit if label == unit else f"{label} ({unit})"
            a, b = samples["natsd"][label], samples["nats-server"][label]
            if js and b:
                rows.append((what, fig, "-", statistics.median(b), "-"))
                continue
            if not a or not b:
                rows.append((what, fig, "-", "-", "-"))
                continue
            ma, mb = statistics.median(a), statistics.median(b)
            ratio = (ma / mb if higher_better else mb / ma) if ma and mb else 0
            rows.append((what, fig, ma, mb, ratio))

    print("| workload (`nats bench`) | figure | natsd | nats-server | ratio |")
    print("|---|---|---:|---:|---:|")
    for what, fig, a, b, r in rows:
        fmt = (lambda v: f"{v:,.1f}") if "µs" in fig else (lambda v: f"{v:,.0f}")
        if a == "-":
            print(f"| {what} | {fig} | - | {'-' if b == '-' else fmt(b)} | - |")
            continue
        print(f"| {what} | {fig} | {fmt(a)} | {fmt(b)} | {r:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
