#!/usr/bin/env python3
"""The `nats` tool's JetStream verbs (stream, consumer, bench --js) against nats-server.

Usage: nats_tool_js_test.py NATS_TOOL NATSD [REFERENCE_NATS_SERVER]

natsd has no JetStream yet: the verbs run against nats-server 2.9.10 started with `-js` and a
store in a temp dir, and one class checks that against natsd they say JetStream is not enabled
and exit 1. Every server is stopped whatever happens; every tool run has a timeout.
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

TIMEOUT = 60  # seconds any single tool run may take
CONFIG_HOME = tempfile.TemporaryDirectory()  # no developer context leaks into the runs


def wait_for(cond, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Server:
    """A server on a free loopback port; with jetstream=True, nats-server's -js and a temp store."""

    def __init__(self, binary, jetstream=False):
        self.dir = tempfile.TemporaryDirectory()
        extra = ["-js", "-sd", os.path.join(self.dir.name, "store")] if jetstream else []
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


class JsToolTest(unittest.TestCase):
    BINARY = REF
    JETSTREAM = True

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(cls.BINARY):
            raise unittest.SkipTest(f"{cls.BINARY} not installed")
        cls.server = Server(cls.BINARY, jetstream=cls.JETSTREAM)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def nats(self, *args, check=None, stdin=subprocess.DEVNULL):
        env = dict(os.environ, XDG_CONFIG_HOME=CONFIG_HOME.name, NATS_URL=self.server.url)
        env.pop("NATS_CONTEXT", None)
        r = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=TIMEOUT, env=env,
                           stdin=stdin)
        if check is not None:
            self.assertEqual(r.returncode, check, f"nats {' '.join(args)}:\n{r.stdout}\n{r.stderr}")
        return r

    def ok(self, *args):
        return self.nats(*args, check=0).stdout

    def pub(self, subject, body, count=1):
        self.ok("pub", subject, body, "--count", str(count))


class StreamVerbs(JsToolTest):
    def test_add_info_ls_rm(self):
        out = self.ok("stream", "add", "ORDERS", "--subjects", "orders.*,shipped", "--storage",
                      "memory", "--retention", "limits", "--discard", "new", "--max-msgs", "1000",
                      "--max-bytes", "10MiB", "--max-age", "1h", "--max-msg-size", "1KB",
                      "--max-msgs-per-subject", "50", "--dupe-window", "1m", "--replicas", "1",
                      "--allow-rollup", "--deny-delete", "--allow-direct",
                      "--description", "all orders")
        self.assertIn("Stream ORDERS was created", out)
        self.assertRegex(out, r"Information for Stream ORDERS created \d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
        for row in ["Description: all orders", "Subjects: orders.*, shipped", "Storage: Memory",
                    "Retention: Limits", "Discard Policy: New", "Duplicate Window: 1m0s",
                    "Maximum Messages: 1,000", "Maximum Per Subject: 50",
                    "Maximum Bytes: 10 MiB", "Maximum Age: 1h0m0s",
                    "Maximum Message Size: 1.0 KiB", "Allows Msg Delete: false",
                    "Allows Purge: true", "Allows Rollups: true", "Direct Get: true",
                    "Messages: 0"]:
            self.assertIn(row, out)
        self.pub("orders.new", "order {{Count}}", 3)

        info = self.ok("stream", "info", "ORDERS")
        self.assertIn("Messages: 3", info)
        self.assertRegex(info, r"Last Sequence: 3 @ \d{4}-")
        self.assertIn("Active Consumers: 0", info)
        j = json.loads(self.ok("stream", "info", "ORDERS", "--json"))
        self.assertEqual(j["config"]["name"], "ORDERS")
        self.assertEqual(j["state"]["messages"], 3)
        self.assertEqual(j["config"]["max_bytes"], 10 * 1024 * 1024)

        ls = self.ok("stream", "ls")
        for h in ["Streams", "Name", "Description", "Created", "Messages", "Size", "Last Message"]:
            self.assertIn(h, ls)
        self.assertRegex(ls, r"│ ORDERS +│ all orders +│ \d{4}-.* │ 3 +│")
        self.assertIn("ORDERS", self.ok("stream", "ls", "--names").split())
        self.assertIn("ORDERS", json.loads(self.ok("stream", "ls", "--json")))

        self.ok("stream", "rm", "ORDERS", "-f")
        self.assertNotIn("ORDERS", self.ok("stream", "ls", "--names").split())
        r = self.nats("stream", "info", "ORDERS", check=1)
        self.assertIn("nats: error: could not request Stream info: stream not found", r.stderr)

    def test_defaults_config_file_and_missing_flags(self):
        out = self.ok("stream", "add", "DEF", "--defaults")
        self.assertIn("Subjects: DEF", out)
        self.assertIn("Storage: File", out)
        self.assertIn("Maximum Messages: unlimited", out)
        self.assertIn("Duplicate Window: 2m0s", out)
        r = self.nats("stream", "add", "NOFLAGS", check=1)
        self.assertIn("--subjects is required", r.stderr)
        cfg = Path(CONFIG_HOME.name) / "stream.json"
        cfg.write_text(json.dumps({"subjects": ["cfg.>"], "storage": "memory", "max_msgs": 7}))
        out = self.ok("stream", "add", "FROMFILE", "--config", str(cfg))
        self.assertIn("Subjects: cfg.>", out)
        self.assertIn("Maximum Messages: 7", out)
        r = self.nats("stream", "add", "BAD", "--subjects", "x", "--max-bytes", "lots", check=1)
        self.assertIn("--max-bytes: 'lots' is not a size", r.stderr)
        for s in ["DEF", "FROMFILE"]:
            self.ok("stream", "rm", s, "-f")

    def test_edit(self):
        self.ok("stream", "add", "EDIT", "--subjects", "edit.>", "--storage", "memory")
        out = self.ok("stream", "edit", "EDIT", "-f", "--max-msgs", "5", "--subjects",
                      "edit.>,more.>", "--description", "changed")
        self.assertIn("Stream EDIT was updated", out)
        self.assertIn("Maximum Messages: 5", out)
        self.assertIn("Subjects: edit.>, more.>", out)
        self.assertIn("Storage: Memory", out)  # untouched
        r = self.nats("stream", "edit", "EDIT", "--max-msgs", "6", check=1)
        self.assertIn("pass -f", r.stderr)
        self.ok("stream", "rm", "EDIT", "-f")

    def test_purge_get_rmm(self):
        self.ok("stream", "add", "P", "--subjects", "p.*", "--storage", "memory")
        self.pub("p.a", "a{{Count}}", 5)
        self.pub("p.b", "b{{Count}}", 5)
        got = self.ok("stream", "get", "P", "2")
        self.assertRegex(got, r"Item: P#2 received \d{4}-.* on Subject p.a")
        self.assertTrue(got.rstrip().endswith("a2"))
        got = self.ok("stream", "get", "P", "--last-for", "p.b")
        self.assertIn("Item: P#10 ", got)
        self.assertTrue(got.rstrip().endswith("b5"))
        self.assertEqual(json.loads(self.ok("stream", "get", "P", "3", "--json"))["data"], "a3")

        self.ok("stream", "rmm", "P", "1", "-f")
        r = self.nats("stream", "get", "P", "1", check=1)
        self.assertIn("could not retrieve P#1", r.stderr)
        self.assertIn("no message found", r.stderr)
        r = self.nats("stream", "rmm", "P", "2", check=1)  # no -f, no terminal
        self.assertIn("pass -f", r.stderr)

        out = self.ok("stream", "purge", "P", "-f", "--subject", "p.a")
        self.assertIn("Purged 4 messages from P", out)
        self.assertIn("State for Stream P", out)
        self.assertIn("Messages: 5", out)
        out = self.ok("stream", "purge", "P", "-f", "--keep", "2")
        self.assertIn("Purged 3 messages from P", out)
        out = self.ok("stream", "purge", "P", "-f")
        self.assertIn("Purged 2 messages from P", out)
        self.assertIn("Messages: 0", out)
        self.ok("stream", "rm", "P", "-f")


class ConsumerVerbs(JsToolTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = dict(os.environ, XDG_CONFIG_HOME=CONFIG_HOME.name, NATS_URL=cls.server.url)
        for args in (["stream", "add", "C", "--subjects", "c.*", "--storage", "memory"],
                     ["pub", "c.x", "msg {{Count}}", "--count", "5"]):
            subprocess.run([TOOL, *args], check=True, capture_output=True, timeout=TIMEOUT,
                           env=env)

    def test_pull_add_info_next_ls_rm(self):
        out = self.ok("consumer", "add", "C", "PULL", "--pull", "--filter", "c.x", "--ack",
                      "explicit", "--deliver", "all", "--max-deliver", "5", "--max-pending", "20",
                      "--wait", "10s", "--replay", "instant", "--description", "puller")
        self.assertIn("Information for Consumer C > PULL created", out)
        for row in ["Name: PULL", "Description: puller", "Pull Mode: true",
                    "Filter Subject: c.x", "Deliver Policy: All", "Ack Policy: Explicit",
                    "Ack Wait: 10.00s", "Replay Policy: Instant", "Maximum Deliveries: 5",
                    "Max Ack Pending: 20", "Unprocessed Messages: 5",
                    "Waiting Pulls: 0 of maximum 512"]:
            self.assertIn(row, out)

        nxt = self.ok("consumer", "next", "C", "PULL", "--count", "2")
        self.assertRegex(nxt, r"\[\d\d:\d\d:\d\d\] subj: c.x / tries: 1 / cons seq: 1 / "
                              r"str seq: 1 / pending: 4")
        self.assertIn("msg 1", nxt)
        self.assertIn("msg 2", nxt)
        self.assertEqual(nxt.count("Acknowledged message"), 2)
        info = self.ok("consumer", "info", "C", "PULL")
        self.assertIn("Acknowledgment Floor: Consumer sequence: 2 Stream sequence: 2", info)
        self.assertIn("Unprocessed Messages: 3", info)

        nxt = self.ok("consumer", "next", "C", "PULL", "--no-ack")
        self.assertIn("msg 3", nxt)
        self.assertNotIn("Acknowledged", nxt)
        self.assertIn("Outstanding Acks: 1 out of maximum 20",
                      self.ok("consumer", "info", "C", "PULL"))
        self.assertEqual(json.loads(self.ok("consumer", "info", "C", "PULL", "--json"))["name"],
                         "PULL")

        ls = self.ok("consumer", "ls", "C")
        for h in ["Consumers", "Name", "Description", "Created", "Ack Pending", "Unprocessed",
                  "Last Delivery"]:
            self.assertIn(h, ls)
        self.assertRegex(ls, r"│ PULL +│ puller +│")
        self.assertIn("PULL", self.ok("consumer", "ls", "C", "--names").split())
        self.assertIn("PULL", json.loads(self.ok("consumer", "ls", "C", "--json")))

        self.ok("consumer", "rm", "C", "PULL", "-f")
        r = self.nats("consumer", "info", "C", "PULL", check=1)
        self.assertIn("consumer not found", r.stderr)

    def test_push_and_deliver_policies(self):
        out = self.ok("consumer", "add", "C", "PUSH", "--target", "push.out", "--heartbeat", "5s",
                      "--flow-control", "--deliver", "3", "--ack", "all", "--replay", "original")
        for row in ["Delivery Subject: push.out", "Deliver Policy: From Sequence 3",
                    "Ack Policy: All", "Replay Policy: Original", "Idle Heartbeat: 5.00s",
                    "Flow Control: true", "Active Interest: No interest"]:
            self.assertIn(row, out)
        r = self.nats("consumer", "next", "C", "PUSH", check=1)
        self.assertIn('consumer "PUSH" is not a Pull consumer', r.stderr)
        out = self.ok("consumer", "add", "C", "SINCE", "--pull", "--deliver", "1h")
        self.assertRegex(out, r"Deliver Policy: Since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
        self.assertIn("Unprocessed Messages: 5", out)
        out = self.ok("consumer", "add", "C", "LAST", "--defaults", "--deliver", "last",
                      "--ack", "none")
        self.assertIn("Deliver Policy: Last", out)
        self.assertIn("Ack Policy: None", out)
        self.assertNotIn("Ack Wait", out)
        nxt = self.ok("consumer", "next", "C", "LAST")
        self.assertIn("msg 5", nxt)
        self.assertNotIn("Acknowledged", nxt)  # nothing to ack with ack policy none
        r = self.nats("consumer", "add", "C", "BAD", "--pull", "--deliver", "someday", check=1)
        self.assertIn("--deliver: 'someday' is not", r.stderr)
        r = self.nats("consumer", "add", "C", "NOMODE", check=1)
        self.assertIn("give --pull or --target", r.stderr)
        for c in ["PUSH", "SINCE", "LAST"]:
            self.ok("consumer", "rm", "C", c, "-f")

    def test_next_times_out_when_empty(self):
        self.ok("consumer", "add", "C", "EMPTY", "--pull", "--deliver", "new")
        r = self.nats("--timeout", "500ms", "consumer", "next", "C", "EMPTY", check=1)
        self.assertIn("nats: error: no message received", r.stderr)
        self.ok("consumer", "rm", "C", "EMPTY", "-f")


class BenchJs(JsToolTest):
    def parse_rate(self, out, label):
        m = re.search(label + r" stats: ([\d,]+) msgs/sec ~ ([\d.]+) MB/sec", out)
        self.assertIsNotNone(m, out)
        return int(m.group(1).replace(",", ""))

    def test_pub_async_then_pull_and_ordered(self):
        out = self.ok("bench", "bj", "--js", "--pub", "1", "--msgs", "2000", "--size", "64",
                      "--storage", "memory", "--purge", "--no-progress")
        self.assertIn("Starting JetStream benchmark", out)
        self.assertIn("Created stream benchstream", out)
        self.assertGreater(self.parse_rate(out, "NATS JetStream Pub"), 0)
        self.assertRegex(out, r"Ack latency \(async window\): min .* p50 .* p99 ")
        info = json.loads(self.ok("stream", "info", "benchstream", "--json"))
        self.assertEqual(info["state"]["messages"], 2000)
        self.assertEqual(info["config"]["storage"], "memory")

        out = self.ok("bench", "bj", "--js", "--pub", "0", "--sub", "2", "--pull", "--msgs",
                      "2000", "--pullbatch", "50", "--no-progress")
        self.assertIn("Using stream: benchstream", out)
        self.assertIn("Defined durable explicitly acked pull consumer", out)
        self.assertGreater(self.parse_rate(out, "NATS JetStream Sub"), 0)
        self.assertEqual(self.ok("consumer", "ls", "benchstream", "--names").strip(), "")

        out = self.ok("bench", "bj", "--js", "--pub", "0", "--sub", "1", "--msgs", "2000",
                      "--no-progress")
        self.assertGreater(self.parse_rate(out, "NATS JetStream Sub"), 0)
        self.ok("stream", "rm", "benchstream", "-f")

    def test_sync_pub_with_push_and_delete(self):
        out = self.ok("bench", "bs", "--js", "--stream", "BS", "--storage", "file", "--pub", "2",
                      "--sub", "2", "--push", "--syncpub", "--msgs", "500", "--no-progress",
                      "--delete-stream")
        self.assertIn("Created stream BS (file storage, 1 replicas, subject bs)", out)
        self.assertIn("Defined durable explicitly acked push consumer", out)
        self.assertGreater(self.parse_rate(out, "NATS JetStream Pub/Sub"), 0)
        self.assertRegex(out, r"\n Ack latency: min .* p50 .* p99 ")
        self.assertIn("Deleted stream BS", out)
        self.assertNotIn("BS", self.ok("stream", "ls", "--names").split())


class ServerCheckJs(JsToolTest):
    """nats server check stream / consumer: Nagios lines and exit codes 0, 1, 2."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = dict(os.environ, XDG_CONFIG_HOME=CONFIG_HOME.name, NATS_URL=cls.server.url)
        for args in (["stream", "add", "CHK", "--subjects", "chk.*", "--storage", "memory"],
                     ["pub", "chk.a", "m {{Count}}", "--count", "10"],
                     ["pub", "chk.b", "m", "--count", "2"],
                     ["consumer", "add", "CHK", "WORK", "--pull", "--ack", "explicit"]):
            subprocess.run([TOOL, *args], check=True, capture_output=True, timeout=TIMEOUT,
                           env=env)

    def check(self, *args, code):
        r = self.nats("server", "check", *args, check=code)
        return r.stdout

    def test_stream_message_and_subject_thresholds(self):
        out = self.check("stream", "--stream", "CHK", code=0)
        self.assertTrue(out.startswith("OK Stream"), out)
        self.assertIn("Messages: 12", out)
        self.assertIn("messages=12", out)  # perf data
        self.assertTrue(self.check("stream", "--stream", "CHK", "--msgs-warn", "10",
                                   code=1).startswith("WARNING"))
        self.assertIn("Messages: 12 >= 11", self.check("stream", "--stream", "CHK",
                                                       "--msgs-critical", "11", code=2))
        # A critical below the warning asks for at least so many messages.
        self.assertIn("Messages: 12 <= 20", self.check("stream", "--stream", "CHK",
                                                       "--msgs-warn", "30", "--msgs-critical",
                                                       "20", code=2))
        self.assertIn("Subjects: 2", self.check("stream", "--stream", "CHK", "--subjects-warn",
                                                "5", code=0))
        out = self.check("stream", "--stream", "NOPE", code=2)
        self.assertIn("stream NOPE", out)

    def test_consumer_backlog_and_json(self):
        out = self.check("consumer", "--stream", "CHK", "--consumer", "WORK", code=0)
        self.assertTrue(out.startswith("OK Consumer"), out)
        self.assertIn("Unprocessed Messages: 12", out)
        out = self.check("consumer", "--stream", "CHK", "--consumer", "WORK",
                         "--unprocessed-critical", "5", code=2)
        self.assertIn("Unprocessed Messages: 12 >= 5", out)
        # Nothing was ever delivered: a last-delivery bound is critical.
        out = self.check("consumer", "--stream", "CHK", "--consumer", "WORK",
                         "--last-delivery-critical", "1h", code=2)
        self.assertIn("No Last Delivery", out)
        doc = json.loads(self.check("--format", "json", "consumer", "--stream", "CHK",
                                    "--consumer", "WORK", code=0))
        self.assertEqual(doc["status"], "OK")


class WithoutJetStream(JsToolTest):
    """natsd has no JetStream: every verb says so and exits 1."""

    BINARY = NATSD
    JETSTREAM = False

    def test_verbs_say_jetstream_is_not_enabled(self):
        for args in (["stream", "ls"], ["stream", "add", "X", "--defaults"],
                     ["stream", "info", "X"], ["stream", "rm", "X", "-f"],
                     ["stream", "get", "X", "1"], ["consumer", "ls", "X"],
                     ["consumer", "add", "X", "Y", "--pull"], ["consumer", "next", "X", "Y"],
                     ["bench", "x", "--js", "--msgs", "10", "--no-progress"]):
            r = self.nats(*args, check=1)
            self.assertIn("JetStream is not enabled on this server or account", r.stderr, args)
            self.assertTrue(r.stderr.startswith("nats: error: "), r.stderr)

    def test_checks_are_critical(self):
        r = self.nats("server", "check", "stream", "--stream", "X", check=2)
        self.assertIn("JetStream is not enabled", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
