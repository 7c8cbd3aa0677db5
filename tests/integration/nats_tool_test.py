#!/usr/bin/env python3
"""The `nats` command-line tool against natsd and against nats-server, in one run.

Usage: nats_tool_test.py NATS_TOOL NATSD [REFERENCE_NATS_SERVER]

Every check runs once per server (subTest). Each server runs on a free loopback port and is
stopped whatever happens; every tool process has a timeout.
"""
import json
import os
import pty
import re
import signal
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


# Contexts live under XDG_CONFIG_HOME: every tool run gets this empty one unless a test makes its
# own, so a developer's selected context never leaks into the tests.
CONFIG_HOME = tempfile.TemporaryDirectory()


def tool_env(server=None, **extra):
    env = dict(os.environ, XDG_CONFIG_HOME=CONFIG_HOME.name)
    env.pop("NATS_CONTEXT", None)
    if server is not None:
        env["NATS_URL"] = server.url
    env.update(extra)
    return env


class ToolTest(unittest.TestCase):
    """Starts each server once for the class; tests loop over them."""

    SERVER_ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.servers = []
        try:
            for name, binary in SERVERS:
                cls.servers.append((name, Server(binary, *cls.SERVER_ARGS)))
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for _, s in cls.servers:
            s.stop()

    def nats(self, server, *args, tool=TOOL, timeout=TIMEOUT, env=None):
        return subprocess.run([tool, *args], capture_output=True, text=True, timeout=timeout,
                              env=env or tool_env(server))

    def start(self, server, *args, env=None):
        return subprocess.Popen([TOOL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env or tool_env(server))

    def interrupt(self, proc):
        """Ctrl-C for a long-running verb; returns its output."""
        proc.send_signal(signal.SIGINT)
        return self.finish(proc)

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
        for verb in ("pub", "sub", "req", "reply", "bench", "server", "micro", "account",
                     "context", "events"):
            self.assertRegex(out.stdout, rf"\n  {verb}\b", verb)
        for flag in ("--server", "--creds", "--user", "--password", "--nkey", "--timeout",
                     "--context", "--tlsca", "--inbox-prefix"):
            self.assertIn(flag, out.stdout)

    def test_each_verb_has_help(self):
        for verb, flags in {"pub": ["--count", "--sleep", "--header"],
                            "sub": ["--queue", "--raw", "--count"],
                            "req": ["--header", "--raw"],
                            "reply": ["--command", "--queue"],
                            "bench": ["--pub", "--sub", "--msgs", "--size", "--request",
                                      "--reply", "--no-progress"],
                            "micro": ["ls", "info", "stats", "ping", "serve"],
                            "micro info": ["--endpoint", "--json", "service"],
                            "service stats": ["--json", "id"],
                            "server check connection": ["--connect-warn", "--connect-critical",
                                                        "--rtt-warn", "--rtt-critical"],
                            "account info": ["--json"],
                            "context": ["add", "ls", "select", "show", "rm", "edit"],
                            "context add": ["--description", "--select"],
                            "events": ["--all", "--json", "--short", "--count"]}.items():
            out = subprocess.run([TOOL, *verb.split(), "--help"], capture_output=True, text=True,
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


class Micro(ToolTest):
    """nats micro against services run by `nats micro serve` (written with nats/micro.h)."""

    def serve(self, server, name):
        proc = self.start(server, "micro", "serve", name)
        self.wait_ready(proc, "Requests Log")
        return proc

    def test_ls_ping_info_stats_of_two_instances(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                procs = [self.serve(server, "demo"), self.serve(server, "demo")]
                try:
                    for body in ("one", "two", "three"):
                        req = self.nats(server, "req", "demo.echo", body, "--raw")
                        self.assertEqual(req.stdout.strip(), body, req.stderr)
                    ls = self.nats(server, "micro", "ls")
                    self.assertEqual(ls.returncode, 0, ls.stderr)
                    self.assertIn("All Services", ls.stdout)
                    self.assertIn("NATS CLI Demo Service (demo)", ls.stdout)
                    ids = re.findall(r"│ ([A-Za-z0-9]{22}) │", ls.stdout)
                    self.assertEqual(len(ids), 2, ls.stdout)
                    infos = json.loads(self.nats(server, "micro", "ls", "--json").stdout)
                    self.assertEqual(sorted(i["id"] for i in infos), sorted(ids))
                    self.assertTrue(all(i["type"] == "io.nats.micro.v1.info_response"
                                        for i in infos))
                    self.assertEqual(infos[0]["endpoints"][0]["subject"], "demo.echo")
                    ping = self.nats(server, "service", "ping", "demo")  # natscli's name
                    self.assertEqual(ping.returncode, 0, ping.stderr)
                    self.assertEqual(len(re.findall(r"^demo [A-Za-z0-9]{22} +rtt=", ping.stdout,
                                                    re.M)), 2, ping.stdout)
                    stats = json.loads(self.nats(server, "micro", "stats", "demo", "--json").stdout)
                    self.assertEqual(len(stats), 2)
                    eps = [s["endpoints"][0] for s in stats]
                    self.assertEqual(sum(e["num_requests"] for e in eps), 3)
                    self.assertEqual(sum(e["data"]["total_payload"] for e in eps), 11)
                    table = self.nats(server, "micro", "stats", "demo")
                    self.assertIn("demo Service Statistics", table.stdout)
                    self.assertRegex(table.stdout, r"│ +│ +│ 3 +│ +│ 0 +│")  # the totals
                    info = self.nats(server, "micro", "info", "demo", ids[0])
                    self.assertEqual(info.returncode, 0, info.stderr)
                    self.assertIn(f"Service: demo ({ids[0]})", info.stdout)
                    self.assertIn("Subject: demo.echo", info.stdout)
                    self.assertIn("echo Endpoint Statistics", info.stdout)
                    both = json.loads(self.nats(server, "micro", "info", "demo", "--json").stdout)
                    self.assertEqual(both["stats"]["type"], "io.nats.micro.v1.stats_response")
                finally:
                    for p in procs:
                        self.interrupt(p)
                gone = self.nats(server, "micro", "ls", "--timeout", "1s")
                self.assertEqual(gone.returncode, 1)
                self.assertIn("no service instances found", gone.stderr)


class ServerCheck(ToolTest):
    def test_connection_check_levels_and_exit_codes(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                ok = self.nats(server, "server", "check", "connection")
                self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
                self.assertRegex(ok.stdout, r"^OK Connection OK:connected to nats://127\.0\.0\.1:"
                                 r"\d+ in \S+ OK:rtt time \S+ OK:round trip took [\d.]+s \| "
                                 r"connect_time=[\d.]+s;0\.5000;1\.0000 rtt=[\d.]+s;0\.5000;1\.0000 "
                                 r"request_time=[\d.]+s;0\.5000;1\.0000$")
                warn = self.nats(server, "server", "check", "conn", "--rtt-warn", "1ns")
                self.assertEqual(warn.returncode, 1, warn.stdout)
                self.assertTrue(warn.stdout.startswith("WARNING Connection Warn:rtt time exceeded"))
                crit = self.nats(server, "server", "check", "connection", "--connect-critical",
                                 "1ns", "--format", "json")
                self.assertEqual(crit.returncode, 2, crit.stdout)
                self.assertEqual(json.loads(crit.stdout)["status"], "CRITICAL")
        down = subprocess.run([TOOL, "-s", "nats://127.0.0.1:1", "server", "check", "connection"],
                              capture_output=True, text=True, timeout=TIMEOUT, env=tool_env())
        self.assertEqual(down.returncode, 2)
        self.assertTrue(down.stdout.startswith("CRITICAL Connection Crit:connection failed"))


class Account(ToolTest):
    def test_account_info_without_jetstream(self):
        for name, server in self.servers:
            with self.subTest(server=name):
                out = self.nats(server, "account", "info")
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertIn("Account Information", out.stdout)
                self.assertRegex(out.stdout, r"Client ID: \d+")
                self.assertIn(f"Connected URL: {server.url}", out.stdout)
                self.assertIn("JetStream is not supported in this account", out.stdout)
                js = json.loads(self.nats(server, "account", "info", "--json").stdout)
                self.assertIn("jetstream_error", js)

    @unittest.skipUnless(os.path.exists(REF), "no reference nats-server")
    def test_account_info_with_jetstream(self):
        with tempfile.TemporaryDirectory() as store:
            srv = Server(REF, "-js", "-sd", store)
            try:
                out = self.nats(srv, "account", "info")
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertIn("JetStream Account Information", out.stdout)
                self.assertRegex(out.stdout, r"Streams: 0")
                self.assertIn("Max Storage", out.stdout)
            finally:
                srv.stop()


class Contexts(ToolTest):
    def test_add_select_use_and_remove(self):
        for name, server in self.servers:
            with self.subTest(server=name), tempfile.TemporaryDirectory() as home:
                env = tool_env(None, XDG_CONFIG_HOME=home)
                run = lambda *a: self.nats(None, *a, env=env)
                add = run("context", "add", "good", "--server", server.url, "--description",
                          "the test server")
                self.assertEqual(add.returncode, 0, add.stderr)
                self.assertIn('NATS Configuration Context "good"', add.stdout)
                self.assertIn(f"Server URLs: {server.url}", add.stdout)
                saved = json.loads(Path(home, "nats", "context", "good.json").read_text())
                self.assertEqual(saved["url"], server.url)
                self.assertEqual(saved["description"], "the test server")
                add = run("context", "add", "bad", "--server", "nats://127.0.0.1:1", "--select")
                self.assertEqual(add.returncode, 0, add.stderr)
                self.assertEqual(Path(home, "nats", "context.txt").read_text().strip(), "bad")
                ls = run("context", "ls")
                self.assertIn("Known Contexts", ls.stdout)
                self.assertRegex(ls.stdout, r"│ bad\* +│")
                self.assertIn("the test server", ls.stdout)
                self.assertEqual(run("context", "ls", "--names").stdout.split(), ["bad", "good"])
                # The selected context supplies the server; an explicit --server wins.
                self.assertEqual(run("pub", "x", "y").returncode, 1)
                self.assertEqual(run("pub", "x", "y", "-s", server.url).returncode, 0)
                self.assertEqual(run("--context", "good", "pub", "x", "y").returncode, 0)
                unknown = run("--context", "nope", "pub", "x", "y")
                self.assertEqual(unknown.returncode, 1)
                self.assertIn('unknown context "nope"', unknown.stderr)
                sel = run("context", "select", "good")
                self.assertEqual(sel.returncode, 0, sel.stderr)
                self.assertEqual(run("pub", "x", "y").returncode, 0)
                show = json.loads(run("context", "show", "--json").stdout)
                self.assertEqual(show["name"], "good")
                self.assertEqual(show["url"], server.url)
                edit = self.nats(None, "context", "edit", "good",
                                 env=dict(env, EDITOR="sed -i s/the.test.server/edited/"))
                self.assertEqual(edit.returncode, 0, edit.stderr)
                self.assertIn("Description: edited", edit.stdout)
                refused = run("context", "rm", "good")
                self.assertEqual(refused.returncode, 1)
                self.assertIn("cannot remove the selected context", refused.stderr)
                self.assertEqual(run("context", "rm", "bad", "--force").returncode, 0)
                self.assertEqual(run("context", "rm", "good", "-f").returncode, 0)
                self.assertIn("No known contexts", run("context", "ls").stdout)

    def test_context_credentials(self):
        for name, binary in SERVERS:
            with self.subTest(server=name), tempfile.TemporaryDirectory() as home:
                srv = Server(binary, "--user", "u", "--pass", "p")
                try:
                    env = tool_env(None, XDG_CONFIG_HOME=home)
                    run = lambda *a: self.nats(None, *a, env=env)
                    add = run("context", "add", "auth", "-s", srv.url, "--user", "u",
                              "--password", "p", "--select")
                    self.assertEqual(add.returncode, 0, add.stderr)
                    self.assertIn("Password: *", add.stdout)
                    self.assertEqual(run("pub", "x", "y").returncode, 0)
                    bad = run("pub", "x", "y", "--password", "wrong", "--user", "u")
                    self.assertEqual(bad.returncode, 1)
                    self.assertIn("Authorization Violation", bad.stderr)
                finally:
                    srv.stop()


class Events(ToolTest):
    SERVER_ARGS = ()

    CONFIG = ("accounts { SYS { users = [{user: sys, password: sys}] }\n"
              "           A { users = [{user: a, password: a}] } }\n"
              "system_account: SYS\n")

    def test_connect_disconnect_and_auth_error_events(self):
        for name, binary in SERVERS:
            with self.subTest(server=name), tempfile.NamedTemporaryFile("w", suffix=".conf") as conf:
                conf.write(self.CONFIG)
                conf.flush()
                srv = Server(binary, "-c", conf.name)
                try:
                    # The tool's own CONNECT advisory may arrive after it subscribed: only
                    # user a's three events count.
                    ev = self.start(srv, "--user", "sys", "--password", "sys", "events",
                                    "--count", "3", "--filter", '"user":"a"')
                    self.wait_ready(ev, "Listening for Authentication Errors events on "
                                        "$SYS.SERVER.*.CLIENT.AUTH.ERR")
                    ok = self.nats(srv, "--user", "a", "--password", "a", "--connection-name",
                                   "evt-client", "pub", "x", "hello")
                    self.assertEqual(ok.returncode, 0, ok.stderr)
                    bad = self.nats(srv, "--user", "a", "--password", "nope", "pub", "x", "y")
                    self.assertEqual(bad.returncode, 1)
                    out, err = self.finish(ev)
                    self.assertEqual(ev.returncode, 0, err)
                    self.assertRegex(out, r"\[\d\d:\d\d:\d\d\] \[\w+\] Client Connection\n")
                    self.assertRegex(out, r"\[\d\d:\d\d:\d\d\] \[\w+\] Client Disconnection\n")
                    self.assertIn("Name: evt-client", out)
                    self.assertIn("User: a", out)
                    self.assertIn("Account: A", out)
                    self.assertIn("Reason: Client Closed", out)
                    self.assertIn("Client Published: 1 messages (5 B)", out)
                    # The auth error is a disconnect advisory too; servers may send it before or
                    # after the good client's disconnect.
                    self.assertRegex(out, r"Reason: Authentication")

                    js = self.start(srv, "--user", "sys", "--password", "sys", "events", "--json",
                                    "--count", "1")
                    time.sleep(0.3)  # --json prints nothing until an event: give it time to subscribe
                    self.nats(srv, "--user", "a", "--password", "a", "pub", "x", "y")
                    out, err = self.finish(js)
                    self.assertEqual(json.loads(out.splitlines()[0])["type"],
                                     "io.nats.server.advisory.v1.client_connect")
                finally:
                    srv.stop()


class BenchProgress(ToolTest):
    def run_on_tty(self, server, *args):
        """Runs the tool with stderr on a pseudo terminal; returns (exit status, stderr)."""
        master, slave = pty.openpty()
        try:
            proc = subprocess.Popen([TOOL, *args], stdout=subprocess.DEVNULL, stderr=slave,
                                    env=tool_env(server))
            os.close(slave)
            chunks = []
            while True:
                try:
                    data = os.read(master, 4096)
                except OSError:  # EIO: the tool closed its end
                    break
                if not data:
                    break
                chunks.append(data)
            return proc.wait(TIMEOUT), b"".join(chunks).decode(errors="replace")
        finally:
            os.close(master)

    def test_progress_bar_on_a_terminal_only_for_long_runs(self):
        name, server = self.servers[0]
        code, err = self.run_on_tty(server, "bench", "cli.progress", "--pub", "1", "--sub", "1",
                                    "--request", "--reply", "--msgs", "60000")
        self.assertEqual(code, 0, err)
        self.assertRegex(err, r"Requesting 100% \[=+\] 60,000 / 60,000")
        code, err = self.run_on_tty(server, "bench", "cli.progress", "--pub", "1", "--sub", "1",
                                    "--request", "--reply", "--msgs", "60000", "--no-progress")
        self.assertEqual(code, 0)
        self.assertNotIn("Requesting", err)
        code, err = self.run_on_tty(server, "bench", "cli.progress", "--msgs", "100")
        self.assertNotIn("Publishing", err)  # too short to show


@unittest.skipUnless(os.path.exists(REF), "no reference nats-server")
class KeyValueAndObjects(unittest.TestCase):
    """`nats kv` and `nats object` against nats-server -js (natsd has no JetStream yet)."""

    @classmethod
    def setUpClass(cls):
        cls.store = tempfile.TemporaryDirectory()
        cls.server = Server(REF, "-js", "-sd", cls.store.name)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.store.cleanup()

    def nats(self, *args, stdin=None):
        return subprocess.run([TOOL, *args], capture_output=True, text=stdin is None or
                              isinstance(stdin, str), timeout=TIMEOUT, input=stdin,
                              env=tool_env(self.server))

    def ok(self, *args, stdin=None):
        out = self.nats(*args, stdin=stdin)
        self.assertEqual(out.returncode, 0, f"{args}: {out.stderr}")
        return out.stdout

    def test_kv_verbs(self):
        self.assertIn("Information for Key-Value Store Bucket cfg",
                      self.ok("kv", "add", "cfg", "--history", "5", "--storage", "memory"))
        self.assertEqual(self.ok("kv", "put", "cfg", "color", "blue"), "blue\n")
        self.assertEqual(self.ok("kv", "put", "cfg", "color", stdin="green"), "green\n")
        got = self.ok("kv", "get", "cfg", "color")
        self.assertRegex(got, r"^cfg > color revision: 2 created @ \d{4}-\d\d-\d\d ")
        self.assertIn("\ngreen\n", got)
        self.assertEqual(self.ok("kv", "get", "cfg", "color", "--raw"), "green")
        self.assertEqual(self.ok("kv", "get", "cfg", "color", "--revision", "1", "--raw"), "blue")

        exists = self.nats("kv", "create", "cfg", "color", "red")
        self.assertEqual(exists.returncode, 1)
        self.assertIn("key exists", exists.stderr)
        self.assertEqual(self.ok("kv", "create", "cfg", "size", "L"), "L\n")
        wrong = self.nats("kv", "update", "cfg", "color", "red", "1")
        self.assertEqual(wrong.returncode, 1)
        self.assertIn("wrong last sequence", wrong.stderr)
        self.ok("kv", "update", "cfg", "color", "red", "2")

        self.assertEqual(self.ok("kv", "keys", "cfg"), "color\nsize\n")
        self.assertEqual(self.ok("kv", "ls", "cfg"), "color\nsize\n")
        self.assertIn("cfg", self.ok("kv", "ls", "--names").split())
        self.assertIn("Key-Value Buckets", self.ok("kv", "ls"))

        # Deleting needs --force without a terminal.
        self.assertEqual(self.nats("kv", "del", "cfg", "size").returncode, 1)
        self.ok("kv", "del", "cfg", "size", "-f")
        self.assertIn("key not found", self.nats("kv", "get", "cfg", "size").stderr)
        hist = self.ok("kv", "history", "cfg", "size")
        self.assertRegex(hist, r"│ size +│ \d+ +│ PUT")
        self.assertRegex(hist, r"│ size +│ \d+ +│ DEL")
        self.ok("kv", "purge", "cfg", "color", "-f")
        self.assertRegex(self.ok("kv", "history", "cfg", "color"), r"PURGE")
        self.assertEqual(self.ok("kv", "keys", "cfg"), "No keys found in bucket\n")

        self.ok("kv", "put", "cfg", "a", "1")
        watch = subprocess.Popen([TOOL, "kv", "watch", "cfg", "--count", "2"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=tool_env(self.server))
        first = watch.stdout.readline()  # the initial values: only `a` and the markers
        self.ok("kv", "put", "cfg", "b", "2")
        out, err = watch.communicate(timeout=TIMEOUT)
        lines = [first] + out.splitlines(keepends=True)
        self.assertRegex(lines[0], r"^\[.*\] (PUT cfg > a: 1|DEL cfg > size|PURGE cfg > color)")
        self.assertEqual(watch.returncode, 0, err)

        status = self.ok("kv", "status", "cfg")
        self.assertIn("History Kept: 5", status)
        self.assertIn("Backing Store Kind: JetStream", status)
        self.assertIn("JetStream Stream: KV_cfg", status)
        self.assertEqual(json.loads(self.ok("kv", "info", "cfg", "--json"))["history"], 5)

        self.assertEqual(self.nats("kv", "rm", "cfg").returncode, 1)  # needs --force
        self.ok("kv", "rm", "cfg", "-f")
        self.assertIn("bucket not found", self.nats("kv", "status", "cfg").stderr)

    def test_object_verbs(self):
        self.assertIn("Information for Object Store Bucket files", self.ok("object", "add", "files"))
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "data.bin"
            data = os.urandom(1024 * 1024 + 7)
            src.write_bytes(data)
            put = self.ok("object", "put", "files", str(src))
            self.assertIn("Object information for files > data.bin", put)
            self.assertIn("Chunks: 9", put)
            self.assertIn("Size: 1.0 MiB", put)
            import hashlib
            self.assertIn("Digest: SHA-256 " + hashlib.sha256(data).hexdigest(), put)

            out = Path(tmp) / "copy.bin"
            got = self.ok("object", "get", "files", "data.bin", "-O", str(out))
            self.assertIn(f"Wrote: 1.0 MiB to {out}", got)
            self.assertEqual(out.read_bytes(), data)
            self.assertEqual(self.nats("object", "get", "files", "data.bin", "-O",
                                       str(out)).returncode, 1)  # exists: needs --force

            # From stdin: --name is needed; 0 bytes is fine.
            self.assertEqual(self.nats("object", "put", "files", stdin=b"").returncode, 1)
            self.ok("object", "put", "files", "--name", "empty", stdin=b"")
            self.ok("object", "put", "files", "--name", "hello.txt", stdin=b"hello")
            self.assertEqual(self.ok("object", "get", "files", "hello.txt", "-O", "-"), "hello")

        listing = self.ok("object", "ls", "files")
        self.assertIn("Bucket Contents", listing)
        for name in ("data.bin", "empty", "hello.txt"):
            self.assertIn(name, listing)
        self.assertEqual(self.ok("object", "ls", "files", "-n"), "data.bin\nempty\nhello.txt\n")
        info = json.loads(self.ok("object", "info", "files", "hello.txt", "--json"))
        self.assertEqual(info["size"], 5)
        self.assertTrue(info["digest"].startswith("SHA-256="))
        self.assertIn("Backing Store Kind: JetStream", self.ok("object", "status", "files"))

        self.assertEqual(self.ok("object", "rm", "files", "hello.txt", "-f"),
                         "Removed files > hello.txt\n")
        self.assertIn("object not found", self.nats("object", "info", "files", "hello.txt").stderr)
        self.assertIn("files", self.ok("object", "ls", "-n").split())
        self.ok("object", "del", "files", "-f")
        self.assertEqual(self.ok("object", "ls", "-n"), "")

    def test_without_jetstream(self):
        srv = Server(NATSD)
        try:
            out = subprocess.run([TOOL, "kv", "ls"], capture_output=True, text=True,
                                 timeout=TIMEOUT, env=tool_env(srv))
            self.assertEqual(out.returncode, 1)
            self.assertIn("jetstream not enabled", out.stderr)
            out = subprocess.run([TOOL, "object", "ls"], capture_output=True, text=True,
                                 timeout=TIMEOUT, env=tool_env(srv))
            self.assertIn("jetstream not enabled", out.stderr)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
