#!/usr/bin/env python3
"""Integration test of natsd's HTTP monitoring (/varz, /connz, /subsz, /healthz, /metrics ...).

  monitor_test.py PATH_TO_NATSD

Starts natsd on free loopback ports (-p -1 -m -1, ports read from --ports_file_dir), drives it
with two raw protocol clients and checks what the monitoring endpoints report. Standard library
only; every wait is a bounded poll; the server is stopped even when a check fails.
"""

from __future__ import annotations

import glob
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

START_TIMEOUT = 10.0  # seconds to wait for the ports file
IO_TIMEOUT = 5.0  # seconds for any socket read or HTTP request
POLL_TIMEOUT = 5.0  # seconds to wait for a condition

failures: list[str] = []


def check(cond: bool, what: str) -> None:
    if cond:
        print(f"ok   {what}")
    else:
        print(f"FAIL {what}")
        failures.append(what)


def wait_for(pred, timeout: float = POLL_TIMEOUT, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


class Client:
    """A raw NATS protocol client: enough to CONNECT, SUB, PUB and sync with PING/PONG."""

    def __init__(self, port: int, name: str):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        self.buf = b""
        info = self.read_line()
        assert info.startswith(b"INFO "), info
        self.info = json.loads(info[5:])
        self.name = name
        self.msgs = 0

    def read_line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def sync(self) -> None:
        """PING and wait for the PONG, counting the MSGs that arrive before it."""
        self.send(b"PING\r\n")
        while True:
            line = self.read_line()
            if line == b"PONG":
                return
            if line.startswith(b"MSG "):
                size = int(line.split()[-1])
                while len(self.buf) < size + 2:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        raise EOFError("connection closed")
                    self.buf += chunk
                self.buf = self.buf[size + 2:]
                self.msgs += 1
            elif line == b"PING":
                self.send(b"PONG\r\n")
            elif line.startswith(b"-ERR"):
                raise RuntimeError(line.decode())

    def close(self) -> None:
        self.sock.close()


def http_get(base: str, path: str, method: str = "GET"):
    """Returns (status, headers, body) without raising on 4xx/5xx."""
    req = urllib.request.Request(base + path, method=method)
    try:
        with urllib.request.urlopen(req, timeout=IO_TIMEOUT) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def get_json(base: str, path: str):
    status, headers, body = http_get(base, path)
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status}: {body[:200]!r}")
    ctype = headers.get("Content-Type", "")
    if not ctype.startswith("application/json"):
        raise RuntimeError(f"{path}: Content-Type {ctype}")
    return json.loads(body)


def raw_http(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as s:
        s.sendall(request)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def start_server(natsd: str, tmp: str):
    log = open(os.path.join(tmp, "natsd.log"), "wb")
    proc = subprocess.Popen(
        [natsd, "-a", "127.0.0.1", "-p", "-1", "-m", "-1", "--ports_file_dir", tmp],
        stdout=log, stderr=subprocess.STDOUT)

    def ports():
        if proc.poll() is not None:
            return "exited"
        files = glob.glob(os.path.join(tmp, "*.ports"))
        if not files:
            return None
        try:
            with open(files[0]) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    p = wait_for(ports, START_TIMEOUT)
    if not p or p == "exited":
        proc.kill()
        proc.wait()
        with open(os.path.join(tmp, "natsd.log"), "rb") as f:
            sys.stderr.write(f.read().decode(errors="replace"))
        raise RuntimeError("natsd did not start (no ports file)")
    return proc, p


def run(natsd: str, tmp: str) -> None:
    proc, ports = start_server(natsd, tmp)
    try:
        exercise(proc, ports)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                failures.append("natsd did not exit on SIGTERM")
    check(proc.returncode == 0, f"natsd exited cleanly (status {proc.returncode})")
    with open(os.path.join(tmp, "natsd.log"), "rb") as f:
        log = f.read().decode(errors="replace")
    # Sanitizer builds report here.
    bad = [ln for ln in log.splitlines()
           if "AddressSanitizer" in ln or "runtime error:" in ln or "ThreadSanitizer" in ln
           or "LeakSanitizer" in ln]
    check(not bad, "no sanitizer reports in the natsd log")
    if bad:
        sys.stderr.write(log[-8000:])


def exercise(proc, ports) -> None:
    nats_port = int(ports["nats"][0].rsplit(":", 1)[1])
    mon = ports["monitoring"][0]
    mon_port = int(mon.rsplit(":", 1)[1])
    check(mon.startswith("http://127.0.0.1:") and mon_port > 0, f"ports file has monitoring {mon}")
    # The system account's services are internal subscriptions (nats-server has them too):
    # counts below are on top of these.
    base = get_json(mon, "/varz")["subscriptions"]
    base_g = get_json(mon, "/accountz?acc=$G")["account_detail"]["subscriptions"]

    # Two clients, each subscribed to foo; a publishes three 5-byte messages.
    a = Client(nats_port, "a")
    b = Client(nats_port, "b")
    a.send(b'CONNECT {"name":"a","lang":"python","version":"1.0"}\r\nSUB foo 1\r\n')
    a.sync()
    b.send(b'CONNECT {"name":"b"}\r\nSUB foo 1\r\n')
    b.sync()
    a.send(b"PUB foo 5\r\nhello\r\n" * 3)
    a.sync()
    wait_for(lambda: (b.sync(), b.msgs)[1] >= 3)
    check(a.msgs == 3 and b.msgs == 3, "both subscribers got 3 messages")
    server_id = a.info["server_id"]

    # /varz
    v = get_json(mon, "/varz")
    keys = list(v.keys())
    check(keys[:7] == ["server_id", "server_name", "version", "proto", "go", "host", "port"],
          f"varz starts in nats-server's field order: {keys[:7]}")
    check(v["server_id"] == server_id, "varz server_id matches INFO")
    check(v["version"] == a.info["version"], "varz version matches INFO")
    check(v["port"] == nats_port, "varz port is the client port")
    check(v["connections"] == 2, f"varz connections == 2 ({v['connections']})")
    check(v["total_connections"] == 2, f"varz total_connections == 2 ({v['total_connections']})")
    check(v["in_msgs"] == 3 and v["in_bytes"] == 15,
          f"varz in_msgs/in_bytes == 3/15 ({v['in_msgs']}/{v['in_bytes']})")
    check(v["out_msgs"] == 6 and v["out_bytes"] == 30,
          f"varz out_msgs/out_bytes == 6/30 ({v['out_msgs']}/{v['out_bytes']})")
    check(v["subscriptions"] == base + 2, f"varz subscriptions == 2 ({v['subscriptions']})")
    check(v["ping_interval"] == 120_000_000_000, "varz ping_interval in nanoseconds")
    check(v["write_deadline"] == 10_000_000_000, "varz write_deadline in nanoseconds")
    check(v["max_payload"] == 1048576 and v["max_control_line"] == 4096, "varz limits")
    check(v["auth_timeout"] == 2 and isinstance(v["auth_timeout"], int),
          "varz auth_timeout printed like Go (2, not 2.0)")
    check(v["http_req_stats"].get("/varz") == 2, f"varz counts itself (and the baseline): {v['http_req_stats']}")
    for k in ("cluster", "gateway", "leaf", "mqtt", "websocket", "jetstream"):
        check(v.get(k) == {}, f"varz {k} is {{}}")
    check(isinstance(v["mem"], int) and v["mem"] > 0, "varz mem is the RSS")
    check(isinstance(v["cpu"], (int, float)) and v["cpu"] >= 0, "varz cpu")
    check(v["cores"] >= 1 and v["gomaxprocs"] >= 1, "varz cores and gomaxprocs")
    check(v["uptime"].endswith("s") and v["start"].endswith("Z") and v["now"].endswith("Z"),
          "varz uptime/start/now formats")
    check("natsd_version" in v, "varz has natsd_version")
    check(v["slow_consumer_stats"] == {"clients": 0, "routes": 0, "gateways": 0, "leafs": 0},
          "varz slow_consumer_stats")

    # /connz
    c = get_json(mon, "/connz")
    check(c["server_id"] == server_id, "connz server_id")
    check(c["num_connections"] == 2 and c["total"] == 2, "connz counts two connections")
    check(c["offset"] == 0 and c["limit"] == 1024, "connz default paging")
    conns = c["connections"]
    cids = [x["cid"] for x in conns]
    check(cids == sorted(cids), f"connz sorted by cid: {cids}")
    ca = next(x for x in conns if x.get("name") == "a")
    cb = next(x for x in conns if x.get("name") == "b")
    check(ca["cid"] == a.info["client_id"] and cb["cid"] == b.info["client_id"],
          "connz cids match INFO client_id")
    check(ca["kind"] == "Client" and ca["type"] == "nats", "connz kind/type")
    check(ca["ip"] == "127.0.0.1" and ca["port"] == a.sock.getsockname()[1], "connz ip/port")
    check(ca["in_msgs"] == 3 and ca["in_bytes"] == 15 and ca["out_msgs"] == 3,
          "connz per-connection counters")
    check(cb["in_msgs"] == 0 and cb["out_msgs"] == 3 and cb["out_bytes"] == 15,
          "connz counters of the subscriber")
    check(ca["subscriptions"] == 1, "connz subscriptions count")
    check(ca["lang"] == "python" and ca["version"] == "1.0", "connz lang/version")
    check("lang" not in cb and "version" not in cb, "connz omits empty lang/version")
    check("subscriptions_list" not in ca, "connz has no subscriptions_list by default")
    check(list(ca.keys())[:5] == ["cid", "kind", "type", "ip", "port"], "connz entry field order")

    page = get_json(mon, "/connz?limit=1&offset=1")
    check(page["num_connections"] == 1 and page["total"] == 2 and page["limit"] == 1 and
          page["offset"] == 1 and page["connections"][0]["cid"] == max(cids),
          "connz paging with limit=1&offset=1")
    past = get_json(mon, "/connz?offset=5")
    check(past["num_connections"] == 0 and past["connections"] == [], "connz offset past the end")
    s = get_json(mon, "/connz?sort=msgs_from")
    check(s["connections"][0]["name"] == "a", "connz sort=msgs_from puts the publisher first")
    s = get_json(mon, "/connz?sort=bytes_to")
    check([x["cid"] for x in s["connections"]] == cids, "connz sort ties keep cid order")
    subs = get_json(mon, "/connz?subs=1")
    check(all(x.get("subscriptions_list") == ["foo"] for x in subs["connections"]),
          "connz subs=1 lists subjects")
    det = get_json(mon, "/connz?subs=detail")
    d = det["connections"][0]["subscriptions_list_detail"]
    check(len(d) == 1 and d[0]["subject"] == "foo" and d[0]["sid"] == "1" and "msgs" in d[0] and
          d[0]["cid"] == det["connections"][0]["cid"] and "max" not in d[0],
          f"connz subs=detail: {d}")
    one = get_json(mon, f"/connz?cid={cb['cid']}")
    check(one["num_connections"] == 1 and one["limit"] == 1 and
          one["connections"][0]["name"] == "b", "connz cid= selects one connection")
    none = get_json(mon, "/connz?cid=999999")
    check(none["num_connections"] == 0 and none["connections"] == [], "connz unknown cid")
    for bad, why in (("/connz?sort=bogus", b"invalid sorting option: bogus"),
                     ("/connz?limit=x", b"Error decoding int for 'limit'"),
                     ("/connz?sort=stop", b"sort by stop only valid on closed connections"),
                     ("/connz?state=nope", b"Error decoding state for nope"),
                     ("/connz?subs=maybe", b"Error decoding boolean for 'subs'")):
        status, _, body = http_get(mon, bad)
        check(status == 400 and why in body, f"{bad} -> 400 {body[:60]!r}")

    # /subsz
    sz = get_json(mon, "/subsz")
    check(sz["num_subscriptions"] == base + 2 and "num_cache" in sz and "avg_fanout" in sz,
          f"subsz stats: {sz}")
    check("subscriptions_list" not in sz, "subsz without subs=1 has only the stats")
    sl = get_json(mon, "/subsz?subs=1")
    check(sl["total"] == 2 and len(sl["subscriptions_list"]) == 2 and
          all(x["account"] == "$G" and x["subject"] == "foo" for x in sl["subscriptions_list"]),
          "subsz subs=1 lists both subscriptions")
    sl = get_json(mon, "/subsz?subs=1&limit=1&offset=1")
    check(sl["total"] == 2 and len(sl["subscriptions_list"]) == 1 and sl["offset"] == 1,
          "subsz paging")
    t = get_json(mon, "/subsz?subs=1&test=foo")
    check(t["total"] == 2, "subsz test=foo matches both")
    t = get_json(mon, "/subsz?subs=1&test=bar")
    check("subscriptions_list" not in t, "subsz test=bar matches none")
    status, _, body = http_get(mon, "/subsz?test=foo.*")
    check(status == 400 and b"invalid test subject" in body, "subsz test with wildcard -> 400")
    check(get_json(mon, "/subscriptionsz")["num_subscriptions"] == base + 2,
          "subscriptionsz alias")

    # /healthz, /routez and friends
    status, headers, body = http_get(mon, "/healthz")
    check(status == 200 and json.loads(body) == {"status": "ok"}, f"healthz ok: {body!r}")
    status, _, _ = http_get(mon, "/healthz?js-enabled-only=true")
    check(status == 200, "healthz accepts js-enabled-only")
    status, _, body = http_get(mon, "/healthz?stream=x")
    check(status == 400 and json.loads(body)["status"] == "error", "healthz stream without account")
    r = get_json(mon, "/routez")
    check(r["server_id"] == server_id and r["num_routes"] == 0 and r["routes"] == [], "routez")
    g = get_json(mon, "/gatewayz")
    check(g["outbound_gateways"] == {} and g["inbound_gateways"] == {}, "gatewayz")
    lz = get_json(mon, "/leafz")
    check(lz["leafnodes"] == 0 and lz["leafs"] == [], "leafz")
    acc = get_json(mon, "/accountz")
    check("$G" in acc["accounts"], "accountz lists $G")
    accd = get_json(mon, "/accountz?acc=$G")
    check(accd["account_detail"]["subscriptions"] == base_g + 2, "accountz acc=$G detail")
    check(get_json(mon, "/jsz")["disabled"] is True, "jsz says disabled")

    # /metrics
    status, headers, body = http_get(mon, "/metrics")
    text = body.decode()
    check(status == 200 and headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
          f"metrics content type {headers.get('Content-Type')}")
    for line in ("# TYPE natsd_in_msgs_total counter",
                 f'natsd_in_msgs_total{{server_id="{server_id}"}} 3',
                 f'natsd_out_msgs_total{{server_id="{server_id}"}} 6',
                 f'natsd_in_bytes_total{{server_id="{server_id}"}} 15',
                 f'natsd_connections{{server_id="{server_id}"}} 2',
                 f'natsd_subscriptions{{server_id="{server_id}"}} {base + 2}',
                 "# TYPE natsd_connections gauge", "# HELP natsd_mem_bytes",
                 "natsd_cpu_percent{", "natsd_uptime_seconds{", "natsd_slow_consumers_total{"):
        check(line in text, f"metrics has {line!r}")
    for ln in text.splitlines():
        if ln and not ln.startswith("#"):
            name_labels, _, value = ln.rpartition(" ")
            try:
                float(value)
                ok = "{" in name_labels and name_labels.endswith("}")
            except ValueError:
                ok = False
            if not ok:
                check(False, f"metrics sample line is well formed: {ln!r}")

    # The rest of the HTTP surface.
    status, headers, body = http_get(mon, "/")
    check(status == 200 and b"/varz" in body and "text/html" in headers.get("Content-Type", ""),
          "root index")
    for path in ("/nope", "/varz/", "/connzz"):
        status, _, body = http_get(mon, path)
        check(status == 404 and body == b"404 page not found\n", f"{path} -> 404")
    status, headers, body = http_get(mon, "/varz", method="HEAD")
    check(status == 200 and body == b"" and int(headers["Content-Length"]) > 100, "HEAD /varz")
    status, headers, _ = http_get(mon, "/varz", method="POST")
    check(status == 405, "POST /varz -> 405")
    status, headers, body = http_get(mon, "/varz?callback=cb")
    check(status == 200 and body.startswith(b"cb({") and body.endswith(b"})") and
          headers.get("Content-Type") == "application/javascript", "JSONP callback")
    resp = raw_http(mon_port, b"GARBAGE\r\n\r\n")
    check(resp.startswith(b"HTTP/1.1 400 "), f"malformed request -> 400: {resp[:40]!r}")
    resp = raw_http(mon_port, b"GET /varz HTTP/1.1\r\n\r\n")
    check(resp.startswith(b"HTTP/1.1 400 "), "HTTP/1.1 without Host -> 400")
    resp = raw_http(mon_port, b"GET /v%61rz?x=%zz HTTP/1.1\r\nHost: x\r\n\r\n")
    check(resp.startswith(b"HTTP/1.1 400 "), "bad escape in query -> 400")
    resp = raw_http(mon_port, b"GET /v%61rz HTTP/1.0\r\n\r\n")
    check(resp.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in resp,
          "HTTP/1.0, escaped path")
    resp = raw_http(mon_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
    check(resp.startswith(b"HTTP/1.1 200 ") and resp.endswith(b'{"status":"ok"}'),
          "a request body is ignored and the response still arrives")

    # Concurrent requests are all answered.
    results: list[int] = []
    lock = threading.Lock()

    def worker():
        for _ in range(5):
            st, _, _ = http_get(mon, "/connz?subs=1")
            with lock:
                results.append(st)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    check(len(results) == 40 and all(st == 200 for st in results), "40 concurrent /connz")

    stats = get_json(mon, "/varz")["http_req_stats"]
    check(stats.get("/connz", 0) >= 50 and stats.get("/subsz", 0) >= 6 and
          stats.get("/healthz", 0) >= 3 and stats.get("/", 0) == 1,
          f"http_req_stats counts per endpoint: {stats}")

    # An auto-unsubscribe subscription shows its limit and what it has had so far.
    b.send(b"SUB bar 2\r\nUNSUB 2 10\r\n")
    b.sync()
    a.send(b"PUB bar 2\r\nhi\r\n" * 2)
    a.sync()
    wait_for(lambda: (b.sync(), b.msgs)[1] >= 5)
    det = get_json(mon, f"/connz?cid={b.info['client_id']}&subs=detail")
    d = {x["sid"]: x for x in det["connections"][0]["subscriptions_list_detail"]}
    check(d.get("2", {}).get("max") == 10 and d["2"].get("msgs") == 2,
          f"connz subs=detail shows max and msgs of an auto-unsubscribe: {d.get('2')}")
    b.send(b"UNSUB 2\r\n")
    b.sync()

    # Closed connections: b goes away and shows up in state=closed with its subscription.
    b_cid = b.info["client_id"]
    b.close()
    closed = wait_for(lambda: [x for x in get_json(mon, "/connz?state=closed&subs=1")
                               ["connections"] if x["cid"] == b_cid])
    check(bool(closed), "closed connection listed in state=closed")
    if closed:
        x = closed[0]
        check(x.get("reason") and x.get("stop", "").endswith("Z") and x.get("name") == "b",
              f"closed entry has stop and reason: {x.get('reason')}")
        check(x.get("subscriptions_list") == ["foo"], "closed entry keeps its subscriptions")
    c = get_json(mon, "/connz")
    check(c["num_connections"] == 1 and c["connections"][0]["name"] == "a",
          "connz open shows only a")
    every = get_json(mon, "/connz?state=all")
    check(every["total"] >= 2 and {x["cid"] for x in every["connections"]} >= {b_cid},
          "connz state=all includes open and closed")
    st = get_json(mon, "/connz?state=closed&sort=stop")
    check(st["num_connections"] >= 1, "sort=stop allowed with state=closed")
    one = get_json(mon, f"/connz?state=closed&cid={b_cid}")
    check(one["num_connections"] == 1 and one["connections"][0]["cid"] == b_cid,
          "connz closed cid= lookup")
    v = get_json(mon, "/varz")
    check(v["connections"] == 1 and v["subscriptions"] == base + 1 and v["total_connections"] == 2,
          "varz after one client left")
    a.close()


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    natsd = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="natsd-monitor-") as tmp:
        try:
            run(natsd, tmp)
        except Exception as e:  # a crash in the test is a failure, with the log for context
            failures.append(f"exception: {e!r}")
            log = os.path.join(tmp, "natsd.log")
            if os.path.exists(log):
                with open(log, "rb") as f:
                    sys.stderr.write(f.read().decode(errors="replace")[-4000:])
    if failures:
        print(f"\n{len(failures)} check(s) failed:")
        for f in failures:
            print(f"  {f}")
        return 1
    print("\nall monitoring checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
