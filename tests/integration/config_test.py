#!/usr/bin/env python3
"""Configuration files: `natsd -t -c` and `natsd -c` against nats-server with the same files.

Usage: config_test.py NATSD [REFERENCE_NATS_SERVER]
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

NATSD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/apps/natsd/natsd"
REF = sys.argv[2] if len(sys.argv) > 2 else "/usr/sbin/nats-server"
sys.argv = sys.argv[:1]

# Files both servers must accept.
VALID = {
    "basic.conf": """
# a comment
port: 4222
host = 127.0.0.1
server_name: "alpha"
max_payload: 2MB
max_pending 32MB
max_connections: 100
max_subscriptions: 1000
ping_interval: "30s"
ping_max: 3
write_deadline: "5s"
debug: false
trace: false
logtime: true
""",
    "auth.conf": """
authorization {
  users = [
    {user: alice, password: secret, permissions: {publish: "foo.>", subscribe: ["bar", "baz.*"]}}
    {user: bob, password: "$2a$11$qbtrnb0mSG2eV55xoyPqHOZx/lLBlryHRhU3LK2oOPFRwGF/5rtGK"}
  ]
  default_permissions: {publish: {allow: ["a", "b"], deny: "c"}}
  timeout: 2
}
no_auth_user: alice
""",
    "variables.conf": """
PORT: 4333
TIMEOUT: "15s"
port: $PORT
write_deadline: $TIMEOUT
""",
    "listen.conf": """
listen: 127.0.0.1:4444
http: 127.0.0.1:8444
lame_duck_duration: "30s"
lame_duck_grace_period: "5s"
""",
}

# Files both servers must refuse.
INVALID = {
    "unknown_field.conf": "port: 4222\nno_such_option: 1\n",
    "bad_syntax.conf": "port: 4222\nauthorization {\n  user: a\n",
    "undefined_variable.conf": "port: $NOPE_NOT_DEFINED\n",
    "old_duration.conf": "ping_interval: 60\n",
    "bad_permissions.conf": "authorization { users = [ {user: a, password: b, permissions: {bogus: 1}} ] }\n",
}


def check(binary, path):
    return subprocess.run([binary, "-t", "-c", str(path)], capture_output=True, text=True,
                          timeout=10)


class CheckConfig(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, text):
        p = Path(self.dir.name) / name
        p.write_text(text)
        return p

    def test_valid_files_pass_on_both(self):
        for name, text in VALID.items():
            p = self.write(name, text)
            ours, ref = check(NATSD, p), check(REF, p)
            self.assertEqual(ref.returncode, 0, f"{name}: reference refused it: {ref.stderr}")
            self.assertEqual(ours.returncode, 0, f"{name}: {ours.stderr}")
            self.assertIn(f"configuration file {p} is valid", ours.stderr)

    def test_invalid_files_fail_on_both_naming_the_same_line(self):
        for name, text in INVALID.items():
            p = self.write(name, text)
            ours, ref = check(NATSD, p), check(REF, p)
            self.assertNotEqual(ref.returncode, 0, f"{name}: reference accepted it")
            self.assertNotEqual(ours.returncode, 0, f"{name}: natsd accepted it")
            # Both name the file and the same line.
            ref_line = ref.stderr.split(f"{p}:", 1)[1].split(":", 1)[0] if f"{p}:" in ref.stderr else None
            self.assertIn(str(p), ours.stderr, name)
            if ref_line is not None:
                self.assertIn(f"{p}:{ref_line}:", ours.stderr, f"{name}: {ours.stderr} vs {ref.stderr}")

    def test_features_of_later_work_are_refused_not_ignored(self):
        for text in ("cluster { port: 6222 }\n", "jetstream: enabled\n",
                     "mqtt { port: 1883 }\n", "websocket { port: 8080 }\n"):
            p = self.write("later.conf", text)
            ours = check(NATSD, p)
            self.assertNotEqual(ours.returncode, 0, text)
            self.assertIn("not supported yet", ours.stderr, text)


class RunWithConfig(unittest.TestCase):
    def test_options_from_the_file_apply_and_flags_override_them(self):
        with tempfile.TemporaryDirectory() as d:
            conf = Path(d) / "natsd.conf"
            conf.write_text('max_payload: 100\nserver_name: "from-file"\nport: 1\n')
            proc = subprocess.Popen([NATSD, "-c", str(conf), "-a", "127.0.0.1", "-p", "-1",
                                     "--ports_file_dir", d], stderr=subprocess.DEVNULL)
            try:
                ports = Path(d) / f"natsd_{proc.pid}.ports"
                deadline = time.monotonic() + 10
                while not ports.exists():
                    self.assertLess(time.monotonic(), deadline, "no ports file")
                    self.assertIsNone(proc.poll(), "natsd exited")
                    time.sleep(0.02)
                time.sleep(0.05)
                port = int(json.loads(ports.read_text())["nats"][0].rsplit(":", 1)[1])
                self.assertNotEqual(port, 1)  # -p -1 on the command line won
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                f = s.makefile("rb")
                info = json.loads(f.readline()[5:])
                self.assertEqual(info["max_payload"], 100)
                self.assertEqual(info["server_name"], "from-file")
                s.sendall(b'CONNECT {"verbose":false}\r\nPUB x 101\r\n')
                self.assertEqual(f.readline(), b"-ERR 'Maximum Payload Violation'\r\n")
                s.close()
            finally:
                proc.terminate()
                proc.wait(10)


class Reload(unittest.TestCase):
    def start(self, d, text):
        conf = Path(d) / "natsd.conf"
        conf.write_text(text)
        log = Path(d) / "natsd.log"
        proc = subprocess.Popen([NATSD, "-c", str(conf), "-a", "127.0.0.1", "-p", "-1",
                                 "--ports_file_dir", d, "-l", str(log)],
                                stderr=subprocess.DEVNULL)
        ports = Path(d) / f"natsd_{proc.pid}.ports"
        deadline = time.monotonic() + 10
        while not ports.exists():
            self.assertLess(time.monotonic(), deadline, "no ports file")
            time.sleep(0.02)
        time.sleep(0.05)
        port = int(json.loads(ports.read_text())["nats"][0].rsplit(":", 1)[1])
        return conf, log, proc, port

    def wait_log(self, log, text):
        deadline = time.monotonic() + 10
        while text not in log.read_text():
            self.assertLess(time.monotonic(), deadline, f"no {text!r} in the log")
            time.sleep(0.02)

    def ping(self, port):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b'CONNECT {"verbose":false}\r\nPING\r\n')
        self.assertEqual(f.readline(), b"PONG\r\n")
        s.close()

    def test_sighup_applies_logging_changes_and_refuses_unreloadable_ones(self):
        with tempfile.TemporaryDirectory() as d:
            conf, log, proc, port = self.start(d, "debug: false\nmax_payload: 1000\n")
            try:
                self.ping(port)
                self.assertNotIn("[DBG]", log.read_text())
                # Logging can change at run time.
                conf.write_text("debug: true\nmax_payload: 1000\n")
                proc.send_signal(1)  # SIGHUP
                self.wait_log(log, "Reloaded server configuration")
                self.ping(port)
                self.wait_log(log, "[DBG]")
                # What can't change at run time refuses the whole reload: the server keeps
                # running as it was (max_payload would be reloadable, server_name is not).
                conf.write_text("debug: false\nmax_payload: 5\nserver_name: other\n")
                out = subprocess.run([NATSD, "--signal", f"reload={proc.pid}"],
                                     capture_output=True, text=True, timeout=10)
                self.assertEqual(out.returncode, 0, out.stderr)
                self.wait_log(log, "Failed to reload server configuration")
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                info = json.loads(s.makefile("rb").readline()[5:])
                self.assertEqual(info["max_payload"], 1000)
                s.close()
                # A file that no longer parses is refused too.
                conf.write_text("debug: {\n")
                proc.send_signal(1)
                deadline = time.monotonic() + 10
                while log.read_text().count("Failed to reload server configuration") < 2:
                    self.assertLess(time.monotonic(), deadline)
                    time.sleep(0.02)
                self.ping(port)
            finally:
                proc.terminate()
                proc.wait(10)


if __name__ == "__main__":
    unittest.main(verbosity=2)
