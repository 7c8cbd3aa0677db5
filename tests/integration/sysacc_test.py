#!/usr/bin/env python3
"""The system account, differential: the same config and client actions against natsd and
nats-server 2.9.10; every event and service reply is compared field by field.

Key sets must be equal except for fields newer nats-server versions add (natsd follows the newest
server; those are checked against events.go's schema) and values must be equal except for ids,
times, versions and host-specific figures, which are masked.

Usage: sysacc_test.py NATSD [REFERENCE_NATS_SERVER]
"""
import json
import os
import socket
import sys
import tempfile
import time
import unittest
from pathlib import Path

from harness import ServerProcess

NATSD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/apps/natsd/natsd"
REF = sys.argv[2] if len(sys.argv) > 2 else "/usr/sbin/nats-server"
sys.argv = sys.argv[:1]

CONF = """
accounts {
  SYS: { users: [{user: sys, password: sys}] }
  A: { users: [{user: a, password: a, permissions: {publish: {allow: ["foo", "_INBOX.>", "$SYS.REQ.>"]}, subscribe: {deny: ["secret"]}}}] }
}
system_account: SYS
"""

# Fields natsd sends that 2.9.10 does not, per newer nats-server's events.go / monitor.go.
NEWER = {"flags", "name_tag", "name", "num_subscriptions", "sent_to_clients",
         "received_from_clients", "gomaxprocs", "gateways", "routes", "leafs", "natsd_version",
         "config_digest", "slow_consumer_stats", "status_code", "server_name"}
# Values that legitimately differ.
MASKED = {"id", "server_id", "server_name", "timestamp", "time", "start", "stop", "now", "seq",
          "ver", "version", "go", "rtt", "mem", "cpu", "cores", "uptime", "idle", "port", "name",
          "last_activity", "pending_bytes", "total_connections", "subscriptions", "num_cache",
          "num_inserts", "num_removes", "num_matches", "cache_hit_rate", "max_fanout",
          "avg_fanout", "num_subscriptions", "sent", "received", "in_msgs", "out_msgs",
          "in_bytes", "out_bytes", "http_req_stats", "config_load_time", "update_time",
          "gomaxprocs", "cid", "total", "sid", "msgs", "http_port", "host_port"}


def Server(binary, d):
    return ServerProcess(binary, d, CONF)


class Conn:
    """A raw protocol client that collects every MSG it receives."""

    def __init__(self, port, user, password, name):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = bytearray()
        self.msgs = []
        self.closed = False
        self.info = json.loads(self._line()[5:])
        c = {"verbose": False, "pedantic": False, "user": user, "pass": password, "name": name,
             "lang": "python", "version": "1.0", "protocol": 1, "headers": True}
        self.sock.sendall(b"CONNECT " + json.dumps(c).encode() + b"\r\n")

    def _fill(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            d = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            d = b""
        if not d:
            self.closed = True
            return False
        self.buf += d
        return True

    def _line(self):
        while b"\r\n" not in self.buf:
            if not self._fill(5) and self.closed:
                return b""
        i = self.buf.index(b"\r\n")
        line = bytes(self.buf[:i])
        del self.buf[:i + 2]
        return line

    def pump(self, seconds):
        """Reads for `seconds`, keeping MSGs and answering PINGs; returns the other lines."""
        other = []
        end = time.monotonic() + seconds
        while True:
            while b"\r\n" in self.buf:
                i = self.buf.index(b"\r\n")
                parts = bytes(self.buf[:i]).split()
                if parts and parts[0] in (b"MSG", b"HMSG"):
                    n = int(parts[-1])
                    if len(self.buf) < i + 2 + n + 2:
                        break
                    body = bytes(self.buf[i + 2:i + 2 + n])
                    del self.buf[:i + 2 + n + 2]
                    if parts[0] == b"HMSG":
                        body = body[int(parts[-2]):]
                    self.msgs.append((parts[1].decode(), body.decode()))
                    continue
                del self.buf[:i + 2]
                if parts and parts[0] == b"PING":
                    self.sock.sendall(b"PONG\r\n")
                other.append(b" ".join(parts))
            left = end - time.monotonic()
            if left <= 0 or self.closed:
                return other
            self._fill(left)

    def sync(self):
        self.sock.sendall(b"PING\r\n")
        end = time.monotonic() + 5
        while time.monotonic() < end:
            if b"PONG" in self.pump(0.05):
                return
        raise AssertionError("no PONG")

    def request(self, subject, body="", wait=1.0):
        """Publishes a request with a fresh inbox and returns the replies (decoded JSON)."""
        inbox = f"_INBOX.r{time.monotonic_ns()}"
        self.sock.sendall(f"SUB {inbox} {inbox[-8:]}\r\nPUB {subject} {inbox} "
                          f"{len(body)}\r\n{body}\r\n".encode())
        self.pump(wait)
        out = [json.loads(b) for s, b in self.msgs if s == inbox]
        self.msgs = [(s, b) for s, b in self.msgs if s != inbox]
        return out

    def close(self):
        self.sock.close()


def run_scenario(binary, d):
    """Everything a system user sees of a scripted session."""
    srv = Server(binary, d)
    seen = {}
    try:
        sysc = Conn(srv.port, "sys", "sys", "sysmon")
        sysc.sock.sendall(b"SUB $SYS.ACCOUNT.> 1\r\nSUB $SYS.SERVER.> 2\r\n")
        sysc.sync()
        a = Conn(srv.port, "a", "a", "clientA")
        a.sock.sendall(b"SUB foo 1\r\n")
        a.sync()
        sysc.pump(0.5)
        seen["user_info_a"] = a.request("$SYS.REQ.USER.INFO")
        seen["a_connz"] = a.request("$SYS.REQ.SERVER.PING.CONNZ")
        a.close()
        sysc.pump(0.7)
        bad = Conn(srv.port, "a", "wrong", "bad")
        bad.pump(0.5)
        sysc.pump(0.5)
        events = {}
        for subject, body in sysc.msgs:
            key = subject.replace(srv_id(sysc), "ID")
            events.setdefault(key, []).append(json.loads(body))
        seen["events"] = events
        sysc.msgs = []
        sid = sysc.info["server_id"]
        for name, subj, body in [
                ("ping", "$SYS.REQ.SERVER.PING", ""),
                ("statsz", "$SYS.REQ.SERVER.PING.STATSZ", ""),
                ("varz", "$SYS.REQ.SERVER.PING.VARZ", ""),
                ("connz", "$SYS.REQ.SERVER.PING.CONNZ", '{"auth":true}'),
                ("connz_direct", f"$SYS.REQ.SERVER.{sid}.CONNZ", '{"limit":1}'),
                ("subsz", "$SYS.REQ.SERVER.PING.SUBSZ", ""),
                ("routez", "$SYS.REQ.SERVER.PING.ROUTEZ", ""),
                ("healthz", "$SYS.REQ.SERVER.PING.HEALTHZ", ""),
                ("accountz", "$SYS.REQ.SERVER.PING.ACCOUNTZ", ""),
                ("accountz_sys", "$SYS.REQ.SERVER.PING.ACCOUNTZ", '{"account":"SYS"}'),
                ("acc_connz", "$SYS.REQ.ACCOUNT.SYS.CONNZ", ""),
                ("acc_subsz", "$SYS.REQ.ACCOUNT.SYS.SUBSZ", ""),
                ("acc_info", "$SYS.REQ.ACCOUNT.SYS.INFO", ""),
                ("acc_conns", "$SYS.REQ.ACCOUNT.SYS.CONNS", ""),
                ("filtered_out", "$SYS.REQ.SERVER.PING.VARZ", '{"server_name":"nope"}'),
                ("bad_sort", "$SYS.REQ.SERVER.PING.CONNZ", '{"sort":"bogus"}'),
                ("reload", f"$SYS.REQ.SERVER.{sid}.RELOAD", ""),
        ]:
            seen[name] = sysc.request(subj, body, 0.6)
        sysc.pump(0.2)
        srv.stop()
        sysc.pump(0.5)
        seen["shutdown"] = [json.loads(b) for s, b in sysc.msgs if s.endswith(".SHUTDOWN")]
        return seen
    finally:
        if srv.proc.poll() is None:
            srv.stop()


def srv_id(conn):
    return conn.info["server_id"]


def compare(test, path, ours, ref):
    """Key sets equal (natsd may add NEWER fields), values equal unless MASKED."""
    if isinstance(ref, dict):
        test.assertIsInstance(ours, dict, path)
        missing = set(ref) - set(ours)
        extra = set(ours) - set(ref) - NEWER
        test.assertFalse(missing, f"{path}: natsd lacks {missing}")
        test.assertFalse(extra, f"{path}: natsd adds {extra}")
        for k in ref:
            if k in MASKED:
                continue
            compare(test, f"{path}.{k}", ours[k], ref[k])
    elif isinstance(ref, list) and ref and isinstance(ref[0], dict):
        test.assertEqual(len(ours), len(ref), path)
        for i, (o, r) in enumerate(zip(ours, ref)):
            compare(test, f"{path}[{i}]", o, r)
    else:
        test.assertEqual(ours, ref, path)


class SystemAccountDiff(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.ours = run_scenario(NATSD, cls.tmp.name)
        cls.ref = run_scenario(REF, cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def event(self, which, subject):
        got = (self.ours if which == "ours" else self.ref)["events"].get(subject)
        self.assertTrue(got, f"{which}: no event on {subject}")
        return got

    def test_connect_event(self):
        ours = self.event("ours", "$SYS.ACCOUNT.A.CONNECT")[0]
        ref = self.event("ref", "$SYS.ACCOUNT.A.CONNECT")[0]
        compare(self, "connect", ours, ref)
        self.assertEqual(ours["type"], "io.nats.server.advisory.v1.client_connect")
        self.assertEqual(ours["client"]["name"], "clientA")
        self.assertEqual(ours["client"]["user"], "a")
        self.assertRegex(ours["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$")

    def test_disconnect_event(self):
        ours = self.event("ours", "$SYS.ACCOUNT.A.DISCONNECT")[0]
        ref = self.event("ref", "$SYS.ACCOUNT.A.DISCONNECT")[0]
        compare(self, "disconnect", ours, ref)
        self.assertEqual(ours["reason"], "Client Closed")
        self.assertIn("stop", ours["client"])

    def test_account_conns_events(self):
        for subject in ("$SYS.ACCOUNT.A.SERVER.CONNS", "$SYS.SERVER.ACCOUNT.A.CONNS"):
            ours = self.event("ours", subject)
            ref = self.event("ref", subject)
            # One when A's client came, one when it left.
            self.assertEqual([e["conns"] for e in ours], [e["conns"] for e in ref][-2:])
            compare(self, subject, ours[-1], ref[-1])

    def test_auth_error_event(self):
        ours = self.event("ours", "$SYS.SERVER.ID.CLIENT.AUTH.ERR")[0]
        ref = self.event("ref", "$SYS.SERVER.ID.CLIENT.AUTH.ERR")[0]
        compare(self, "auth_err", ours, ref)
        self.assertEqual(ours["reason"], "Authentication Failure")

    def test_statsz(self):
        for name in ("ping", "statsz"):
            with self.subTest(name):
                self.assertEqual(len(self.ours[name]), 1)
                compare(self, name, self.ours[name][0], self.ref[name][0])
        # The periodic STATSZ also arrived (first after 250 ms, with interest).
        self.assertTrue(self.ours["events"].get("$SYS.SERVER.ID.STATSZ"))

    def test_monitoring_services(self):
        # natsd's system account has no exports of its own: its services are internal
        # subscriptions (docs/compatibility.md).
        self.ref["accountz_sys"][0]["data"]["account_detail"].pop("exports", None)
        for name in ("varz", "connz", "connz_direct", "routez", "healthz", "accountz_sys",
                     "acc_connz", "acc_conns"):
            with self.subTest(name):
                self.assertEqual(len(self.ours[name]), 1, name)
                self.assertEqual(len(self.ref[name]), 1, name)
                compare(self, name, self.ours[name][0], self.ref[name][0])
        self.assertEqual(self.ours["varz"][0]["data"]["system_account"], "SYS")
        self.assertEqual(self.ours["connz"][0]["data"]["connections"][0]["account"], "SYS")

    def test_accountz_lists_the_same_accounts(self):
        for name in ("accountz",):
            o, r = self.ours[name][0]["data"], self.ref[name][0]["data"]
            self.assertEqual(sorted(o["accounts"]), sorted(r["accounts"]))
            self.assertEqual(o["system_account"], r["system_account"])

    def test_subsz_shape(self):
        # natsd's internal subscriptions are not nats-server's: the shape is compared, not counts.
        o, r = self.ours["subsz"][0]["data"], self.ref["subsz"][0]["data"]
        self.assertEqual(set(o), set(r))
        o, r = self.ours["acc_subsz"][0]["data"], self.ref["acc_subsz"][0]["data"]
        self.assertEqual(set(o) - {"subscriptions_list", "total", "offset", "limit", "now",
                                   "server_id"},
                         set(r) - {"subscriptions_list", "total", "offset", "limit", "now",
                                   "server_id"})

    def test_account_info(self):
        o, r = self.ours["acc_info"][0]["data"], self.ref["acc_info"][0]["data"]
        for k in ("account_name", "expired", "complete", "jetstream_enabled",
                  "leafnode_connections", "client_connections"):
            self.assertEqual(o[k], r[k], k)

    def test_request_filter_and_errors(self):
        self.assertEqual(self.ours["filtered_out"], [])
        self.assertEqual(self.ref["filtered_out"], [])
        o, r = self.ours["bad_sort"][0], self.ref["bad_sort"][0]
        self.assertEqual(o["error"]["code"], r["error"]["code"])
        self.assertNotIn("data", o)

    def test_reload(self):
        # 2.9.10 has no RELOAD service; newer servers answer an envelope without data
        # (reloadConfig -> zReq with a nil response).
        self.assertEqual(self.ref["reload"], [])
        (o,) = self.ours["reload"]
        self.assertEqual(set(o), {"server"})

    def test_shutdown_event(self):
        self.assertEqual(len(self.ours["shutdown"]), 1)
        self.assertEqual(len(self.ref["shutdown"]), 1)
        compare(self, "shutdown", self.ours["shutdown"][0], self.ref["shutdown"][0])

    def test_user_info(self):
        # 2.9.10 does not answer a client outside the system account: the newest server does
        # (userInfoReq), so natsd's answer is checked against events.go's UserInfo.
        info = self.ours["user_info_a"]
        self.assertEqual(len(info), 1)
        data = info[0]["data"]
        self.assertEqual(data["user"], "a")
        self.assertEqual(data["account"], "A")
        self.assertEqual(data["permissions"]["publish"]["allow"], ["foo", "_INBOX.>", "$SYS.REQ.>"])
        self.assertEqual(data["permissions"]["subscribe"], {"deny": ["secret"]})
        self.assertIn("server", info[0])

    def test_account_scoped_connz_from_a_user_account(self):
        # An account user asking PING.CONNZ sees only its account (registerSystemImports).
        for which in (self.ours, self.ref):
            conns = which["a_connz"][0]["data"]["connections"]
            self.assertEqual([c["name"] for c in conns], ["clientA"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
