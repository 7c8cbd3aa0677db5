#!/usr/bin/env python3
"""The `nats` command-line tool against natsd and against nats-server, in one run.

Usage: nats_tool_test.py NATS_TOOL NATSD [REFERENCE_NATS_SERVER]

Every check runs once per server (subTest). Each server runs on a free loopback port and is
stopped whatever happens; every tool process has a timeout.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

TOOL = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/apps/nats/nats"
NATSD = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "build/apps/natsd/natsd"
REF = sys.argv[3] if len(sys.argv) > 3 else "/usr/sbin/nats-server"
sys.argv = sys.argv[:1]

TIMEOUT = 30  # seconds any single tool run may take


def wait_for(cond, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Server:
    """A server process on a free loopback port."""

    def __init__(self, binary, *extra):
        self.dir = tempfile.TemporaryDirectory()
        self.proc = subprocess.Popen(
            [binary, "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", self.dir.name, *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ports = Path(self.dir.name) / f"{os.path.basename(binary)}_{self.proc.pid}.ports"

        def read_port():
            if self.proc.poll() is not None:
                raise AssertionError(f"{binary} exited")
            try:
                return int(json.loads(ports.read_text())["nats"][0].rsplit(":", 1)[1])
            except (FileNotFoundError, json.JSONDecodeError):
                return None

        self.port = wait_for(read_port, what="ports file")
        self.url = f"nats://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.dir.cleanup()


SERVERS = [("natsd", NATSD)] + ([("nats-server", REF)] if os.path.exists(REF) else [])


class ToolTest(unittest.TestCase):
    """Starts each server once for the class; tests loop over them."""

    @classmethod
    def setUpClass(cls):
        cls.servers = []
        try:
            for name, binary in SERVERS:
                cls.servers.append((name, Server(binary)))
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for _, s in cls.servers:
            s.stop()

    def nats(self, server, *args, tool=TOOL, timeout=TIMEOUT):
        env = dict(os.environ, NATS_URL=server.url)
        return subprocess.run([tool, *args], capture_output=True, text=True, timeout=timeout,
                              env=env)

    def start(self, server, *args):
        env = dict(os.environ, NATS_URL=server.url)
        return subprocess.Popen([TOOL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env)

    def wait_ready(self, proc, marker, stream="stdout"):
        """Reads the tool's stdout (or stderr) until `marker` (it is subscribed by then)."""
        seen = []
        for line in getattr(proc, stream):
            seen.append(line)
            if marker in line:
                return seen
        self.fail(f"never printed {marker!r}: {''.join(seen)} {proc.stderr.read()}")

    def finish(self, proc):
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            self.fail(f"tool did not finish: {out} {err}")
        return out, err


class Help(ToolTest):
    def test_help_lists_every_verb(self):
        out = subprocess.run([TOOL, "--help"], capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(out.returncode, 0)
        for verb in ("pub", "sub", "req", "reply", "bench", "server"):
            self.assertRegex(out.stdout, rf"\n  {verb}\b", verb)
        for flag in ("--server", "--creds", "--user", "--password", "--nkey", "--timeout"):
            self.assertIn(flag, out.stdout)

    def test_each_verb_has_help(self):
        for verb, flags in {"pub": ["--count", "--sleep", "--header"],
                            "sub": ["--queue", "--raw", "--count"],
                            "req": ["--header", "--raw"],
                            "reply": ["--command", "--queue"],
                            "bench": ["--pub", "--sub", "--msgs", "--size", "--request",
                                      "--reply"]}.items():
            out = subprocess.run([TOOL, verb, "--help"], capture_output=True, text=True,
                                 timeout=TIMEOUT)
            self.assertEqual(out.returncode, 0, verb)
            for flag in flags:
                self.assertIn(flag, out.stdout, f"{verb} {flag}")

    def test_helper_names_pick_the_verb(self):
        for name, usage in (("nats-pub", "subject"), ("nats-sub", "subject"),
                            ("nats-req", "subject")):
            link = Path(TOOL).with_name(name)
            self.assertTrue(link.exists(), link)
            out = subprocess.run([str(link), "--help"], capture_output=True, text=True,
                                 timeout=TIMEOUT)
            self.assertEqual(out.returncode, 0, name)
            self.assertIn(usage, out.stdout)
            self.assertIn(name, out.stdout)

    def test_missing_verb_is_an_error(self):
        out = subprocess.run([TOOL], capture_output=True, text=True, timeout=TIMEOUT)
        self.assertNotEqual(out.returncode, 0)


class PubSub(ToolTest):
    def test_sub_prints_what_pub_sends_with_headers_and_templates(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                sub = self.start(server, "sub", "cli.>", "--count", "3")
                self.wait_ready(sub, "Subscribing on cli.>")
                pub = self.nats(server, "pub", "cli.one", "hello", "-H", "X-Trace:abc")
                self.assertEqual(pub.returncode, 0, pub.stderr)
                self.assertIn('Published 5 bytes to "cli.one"', pub.stdout)
                pub = self.nats(server, "pub", "cli.many", "n={{Count}} at {{TimeStamp}}",
                                "--count", "2")
                self.assertEqual(pub.returncode, 0, pub.stderr)
                out, err = self.finish(sub)
                self.assertEqual(sub.returncode, 0, err)
                self.assertIn('[#1] Received on "cli.one"', out)
                self.assertIn("X-Trace: abc", out)
                self.assertIn("hello", out)
                self.assertIn('[#2] Received on "cli.many"', out)
                self.assertRegex(out, r"n=1 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
                self.assertRegex(out, r"n=2 at ")

    def test_raw_output_and_queue_groups(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                subs = [self.start(server, "sub", "cli.q", "--queue", "g", "--raw",
                                   "--count", "1") for _ in range(2)]
                # --raw keeps stdout for data: the status line is on stderr.
                for s in subs:
                    self.wait_ready(s, "Subscribing on cli.q in group g", stream="stderr")
                pub = self.nats(server, "pub", "cli.q", "m{{Count}}", "--count", "2")
                self.assertEqual(pub.returncode, 0, pub.stderr)
                outs = sorted(self.finish(s)[0].strip() for s in subs)
                self.assertEqual(outs, ["m1", "m2"])  # each message to one member

    def test_nats_pub_helper_name(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                sub = self.start(server, "sub", "cli.helper", "--count", "1", "--raw")
                self.wait_ready(sub, "Subscribing on cli.helper", stream="stderr")
                pub = self.nats(server, "cli.helper", "via helper",
                                tool=str(Path(TOOL).with_name("nats-pub")))
                self.assertEqual(pub.returncode, 0, pub.stderr)
                self.assertEqual(self.finish(sub)[0].strip(), "via helper")


class RequestReply(ToolTest):
    def test_reply_answers_req(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                rep = self.start(server, "reply", "cli.svc", "answer {{Count}} to {{Request}}",
                                 "--count", "2")
                self.wait_ready(rep, 'Listening on "cli.svc"')
                req = self.nats(server, "req", "cli.svc", "q1", "-H", "K:V")
                self.assertEqual(req.returncode, 0, req.stderr)
                self.assertIn('Sending request on "cli.svc"', req.stdout)
                self.assertRegex(req.stdout, r"Received with rtt \d")
                self.assertIn("answer 1 to q1", req.stdout)
                req = self.nats(server, "req", "cli.svc", "q2", "--raw")
                self.assertEqual(req.stdout.strip(), "answer 2 to q2")
                out, _ = self.finish(rep)
                self.assertIn('[#1] Received on subject "cli.svc"', out)
                self.assertIn("K: V", out)

    def test_reply_command(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                rep = self.start(server, "reply", "cli.cmd", "--command", "tr a-z A-Z",
                                 "--count", "1")
                self.wait_ready(rep, "Listening on")
                req = self.nats(server, "req", "cli.cmd", "shout this", "--raw")
                self.assertEqual(req.returncode, 0, req.stderr)
                self.assertEqual(req.stdout.strip(), "SHOUT THIS")
                self.finish(rep)

    def test_no_responders_and_timeout(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                req = self.nats(server, "req", "cli.nobody", "x", "--timeout", "2s")
                self.assertEqual(req.returncode, 1)
                self.assertIn("no responders", req.stderr)
                # A subscriber that never answers: the request times out.
                sub = self.start(server, "sub", "cli.silent", "--count", "1")
                self.wait_ready(sub, "Subscribing")
                start = time.monotonic()
                req = self.nats(server, "req", "cli.silent", "x", "--timeout", "300ms")
                self.assertEqual(req.returncode, 1)
                self.assertIn("timeout", req.stderr)
                self.assertGreaterEqual(time.monotonic() - start, 0.3)
                self.finish(sub)


class Bench(ToolTest):
    def test_pub_sub_bench(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                out = self.nats(server, "bench", "cli.bench", "--pub", "1", "--sub", "2",
                                "--msgs", "20000", "--size", "16")
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertIn("msgs=20,000, msgsize=16 B, pubs=1, subs=2", out.stdout)
                self.assertRegex(out.stdout, r"NATS Pub/Sub stats: [\d,]+ msgs/sec ~ [\d.]+ MB/sec")
                self.assertRegex(out.stdout, r"Sub stats: [\d,]+ msgs/sec")
                self.assertRegex(out.stdout, r"\[2\] [\d,]+ msgs/sec ~ [\d.]+ MB/sec \(20,000 msgs\)")

    def test_request_reply_bench_reports_latency(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                out = self.nats(server, "bench", "cli.rr", "--pub", "1", "--sub", "1",
                                "--request", "--reply", "--msgs", "500")
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertRegex(out.stdout, r"NATS Req/Rep stats: [\d,]+ msgs/sec")
                self.assertRegex(out.stdout, r"p50 [\d.]+[µm]?s \| p90 .* \| p99 [\d.]+[µm]?s")

    def test_pub_only_bench(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                out = self.nats(server, "bench", "cli.po", "--msgs", "10000")
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertRegex(out.stdout, r"NATS Pub stats: [\d,]+ msgs/sec")


class ServerVerbs(ToolTest):
    def test_server_info_from_info_without_system_account(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                out = self.nats(server, "server", "info", "--timeout", "1s")
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertIn("Server information for", out.stdout)
                self.assertRegex(out.stdout, r"Version: \d+\.\d+\.\d+")
                js = self.nats(server, "server", "info", "--json", "--timeout", "1s")
                self.assertEqual(js.returncode, 0, js.stderr)
                self.assertIn("server_id", json.loads(js.stdout))

    def test_server_ping_explains_the_system_account(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                out = self.nats(server, "server", "ping", "--timeout", "1s")
                self.assertEqual(out.returncode, 1)
                self.assertIn("system account", out.stderr)


class SystemAccount(unittest.TestCase):
    """server ping/info with a system account user: nats-server only (natsd has no accounts
    yet)."""

    CONFIG = ("accounts { SYS { users = [{user: sys, password: sys}] } }\n"
              "system_account: SYS\n")

    @unittest.skipUnless(os.path.exists(REF), "no reference nats-server")
    def test_server_ping_and_info_answered(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as conf:
            conf.write(self.CONFIG)
            conf.flush()
            srv = Server(REF, "-c", conf.name)
            try:
                env = dict(os.environ, NATS_URL=srv.url)
                run = lambda *a: subprocess.run([TOOL, "--user", "sys", "--password", "sys", *a],
                                                capture_output=True, text=True, timeout=TIMEOUT,
                                                env=env)
                ping = run("server", "ping", "--count", "1")
                self.assertEqual(ping.returncode, 0, ping.stderr)
                self.assertRegex(ping.stdout, r"N[A-Z0-9]{55}\s+rtt=")
                self.assertIn("1 replies", ping.stdout)
                js = run("server", "ping", "--count", "1", "--json")
                self.assertEqual(js.returncode, 0, js.stderr)
                self.assertEqual(json.loads(js.stdout)[0]["server"]["ver"], "2.9.10")
                info = run("server", "info")
                self.assertEqual(info.returncode, 0, info.stderr)
                self.assertIn("Server information for", info.stdout)
                self.assertNotIn("from the INFO", info.stdout)
            finally:
                srv.stop()


class Connection(ToolTest):
    def test_unreachable_server_is_a_clear_error(self):
        out = subprocess.run([TOOL, "-s", "nats://127.0.0.1:1", "pub", "x", "y"],
                             capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(out.returncode, 1)
        self.assertIn("no servers available", out.stderr)

    def test_user_and_password_flags(self):
        for name, binary in SERVERS:
            with self.subTest(server=name):
                srv = Server(binary, "--user", "u", "--pass", "p")
                try:
                    ok = self.nats(srv, "pub", "x", "y", "--user", "u", "--password", "p")
                    self.assertEqual(ok.returncode, 0, ok.stderr)
                    bad = self.nats(srv, "pub", "x", "y", "--user", "u", "--password", "no")
                    self.assertEqual(bad.returncode, 1)
                    self.assertIn("Authorization Violation", bad.stderr)
                finally:
                    srv.stop()


MAKE_CERTS = Path(__file__).resolve().parents[1] / "interop" / "tls" / "make_certs.sh"


class Tls(ToolTest):
    """--tlsca, --tlscert and --tlskey against servers that require TLS (and client certs)."""

    @classmethod
    def setUpClass(cls):
        cls.servers = []
        cls.certs = tempfile.TemporaryDirectory()
        subprocess.run([str(MAKE_CERTS), cls.certs.name], check=True, timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.certs.cleanup()

    def cert(self, name):
        return os.path.join(self.certs.name, name)

    def test_tls_ca_flag_verifies_the_server(self):
        for name, binary in SERVERS:
            with self.subTest(server=name):
                srv = Server(binary, "-c", self.cert("tls.conf"))
                try:
                    ok = self.nats(srv, "req", "--tlsca", self.cert("ca.pem"), "nobody", "x")
                    self.assertEqual(ok.returncode, 1)
                    self.assertIn("no responders", ok.stderr)  # connected over TLS, then 503
                    bad = self.nats(srv, "pub", "x", "y", "--tlsca", self.cert("other-ca.pem"))
                    self.assertEqual(bad.returncode, 1)
                    self.assertIn("certificate verify failed", bad.stderr)
                finally:
                    srv.stop()

    def test_tls_client_certificate_flags(self):
        for name, binary in SERVERS:
            with self.subTest(server=name):
                srv = Server(binary, "-c", self.cert("tls_verify.conf"))
                try:
                    common = ["--tlsca", self.cert("ca.pem")]
                    ok = self.nats(srv, "pub", "x", "y", *common, "--tlscert",
                                   self.cert("alice.pem"), "--tlskey", self.cert("alice-key.pem"))
                    self.assertEqual(ok.returncode, 0, ok.stderr)
                    self.assertIn("Published 1 bytes", ok.stdout)
                    refused = self.nats(srv, "pub", "x", "y", *common)
                    self.assertEqual(refused.returncode, 1)
                finally:
                    srv.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
