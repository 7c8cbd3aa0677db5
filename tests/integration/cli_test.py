#!/usr/bin/env python3
"""natsd's command line, files and signals, checked against nats-server where they must agree.

Usage: cli_test.py NATSD [REFERENCE_NATS_SERVER]

Each check starts its own server on a free loopback port and stops it, whatever happens.
"""
import json
import os
import re
import signal
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


def run(binary, *args, timeout=10):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout)


def wait_for(cond, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Server:
    """A natsd (or nats-server) process on a random loopback port."""

    def __init__(self, binary, *extra, env=None):
        self.dir = tempfile.TemporaryDirectory()
        self.log = Path(self.dir.name) / "stderr.log"
        self._log_file = open(self.log, "w")
        self.proc = subprocess.Popen(
            [binary, "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", self.dir.name, *extra],
            stdout=subprocess.DEVNULL, stderr=self._log_file, env=env)
        exe = os.path.basename(binary)
        self.ports_file = Path(self.dir.name) / f"{exe}_{self.proc.pid}.ports"
        ports = wait_for(lambda: self._read_ports(), what="ports file")
        self.port = int(ports["nats"][0].rsplit(":", 1)[1])

    def _read_ports(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited: {self.log.read_text()}")
        try:
            return json.loads(self.ports_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def connect(self, connect='{"verbose":false,"protocol":1}'):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        f = s.makefile("rb")
        info = f.readline()
        assert info.startswith(b"INFO "), info
        s.sendall(b"CONNECT " + connect.encode() + b"\r\nPING\r\n")
        assert f.readline() == b"PONG\r\n"
        return s, f

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log_file.close()
        self.dir.cleanup()


class CommandLine(unittest.TestCase):
    def test_help_lists_the_same_options_as_nats_server(self):
        ours, ref = run(NATSD, "--help"), run(REF, "--help")
        self.assertEqual(ours.returncode, 0)
        self.assertEqual(ours.returncode, ref.returncode)
        flags = lambda text: re.findall(r"^\s+(-[-\w]+)", text, re.M)
        self.assertEqual(flags(ours.stdout), flags(ref.stdout))
        self.assertIn("natsd", ours.stdout)

    def test_version(self):
        out = run(NATSD, "--version")
        self.assertEqual(out.returncode, 0)
        self.assertRegex(out.stdout, r"^natsd: v\d+\.\d+\.\d+")

    def test_unknown_flag_matches_nats_server(self):
        ours, ref = run(NATSD, "--no_such_flag"), run(REF, "--no_such_flag")
        self.assertEqual(ours.returncode, ref.returncode)
        self.assertIn("flag provided but not defined: -no_such_flag", ours.stderr)
        self.assertEqual(ours.stderr.splitlines()[0], ref.stderr.splitlines()[0])

    def test_bad_number_matches_nats_server(self):
        ours, ref = run(NATSD, "-p", "abc"), run(REF, "-p", "abc")
        self.assertEqual(ours.returncode, ref.returncode)
        self.assertEqual(ours.stderr.splitlines()[0], ref.stderr.splitlines()[0])

    def test_features_of_later_work_refuse_to_start(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as conf:
            conf.write("port: 4222\nmqtt {\n  port: 1883\n}\n")
            conf.flush()
            for args in (["-c", conf.name], ["--cluster", "nats://127.0.0.1:6222"], ["-js"]):
                out = run(NATSD, *args)
                self.assertNotEqual(out.returncode, 0, args)
                self.assertIn("not supported yet", out.stderr, args)


class StartupFailures(unittest.TestCase):
    def test_port_in_use_fails_fast_with_nats_server_message(self):
        srv = Server(NATSD)
        try:
            out = run(NATSD, "-a", "127.0.0.1", "-p", str(srv.port), timeout=10)
            self.assertEqual(out.returncode, 1)
            self.assertIn(f"[FTL] Error listening on port: 127.0.0.1:{srv.port}", out.stderr)
        finally:
            srv.stop()
            srv.close()

    def test_monitor_port_in_use_fails_fast(self):
        srv = Server(NATSD)
        try:
            out = run(NATSD, "-a", "127.0.0.1", "-p", "-1", "-m", str(srv.port), timeout=10)
            self.assertEqual(out.returncode, 1)
        finally:
            srv.stop()
            srv.close()


class OutOfFileDescriptors(unittest.TestCase):
    def test_accepting_resumes_after_running_out_of_descriptors(self):
        import resource

        def low_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

        d = tempfile.TemporaryDirectory()
        log = Path(d.name) / "stderr.log"
        with open(log, "w") as err:
            proc = subprocess.Popen([NATSD, "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir",
                                     d.name], stderr=err, preexec_fn=low_limit)
        try:
            ports = Path(d.name) / f"natsd_{proc.pid}.ports"
            wait_for(lambda: ports.exists() and ports.read_text(), what="ports file")
            port = int(json.loads(ports.read_text())["nats"][0].rsplit(":", 1)[1])
            # More connections than descriptors: some wait in the backlog unaccepted.
            extra = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(80)]
            wait_for(lambda: "Error accepting client connection" in log.read_text(),
                     what="accept error")
            self.assertIsNone(proc.poll())
            for s in extra:
                s.close()
            # Once descriptors are free again, new clients are served.
            def served():
                try:
                    c = socket.create_connection(("127.0.0.1", port), timeout=2)
                    f = c.makefile("rb")
                    ok = f.readline().startswith(b"INFO ")
                    c.close()
                    return ok
                except OSError:
                    return False
            wait_for(served, what="a client served after recovery")
        finally:
            proc.terminate()
            proc.wait(10)
            d.cleanup()


class FilesAndSignals(unittest.TestCase):
    def test_ports_and_pid_files_written_then_removed(self):
        with tempfile.TemporaryDirectory() as d:
            pid_file = Path(d) / "natsd.pid"
            srv = Server(NATSD, "-P", str(pid_file))
            try:
                self.assertEqual(int(pid_file.read_text()), srv.proc.pid)
                ports = json.loads(srv.ports_file.read_text())
                self.assertEqual(ports["nats"], [f"nats://127.0.0.1:{srv.port}"])
                self.assertEqual(srv.stop(), 0)
                self.assertFalse(pid_file.exists())
                self.assertFalse(srv.ports_file.exists())
            finally:
                srv.close()

    def test_sigint_and_signal_quit_shut_down_gracefully(self):
        srv = Server(NATSD)
        try:
            self.assertEqual(srv.stop(signal.SIGINT), 0)
            self.assertIn("Server Exiting..", srv.log.read_text())
        finally:
            srv.close()
        with tempfile.TemporaryDirectory() as d:
            pid_file = Path(d) / "natsd.pid"
            srv = Server(NATSD, "-P", str(pid_file))
            try:
                out = run(NATSD, "--signal", f"quit={pid_file}")
                self.assertEqual(out.returncode, 0, out.stderr)
                srv.proc.wait(10)
                self.assertEqual(srv.proc.returncode, 0)
            finally:
                srv.close()

    def test_signal_reopen_reopens_the_log_file(self):
        with tempfile.TemporaryDirectory() as d:
            log = Path(d) / "natsd.log"
            srv = Server(NATSD, "-l", str(log))
            try:
                wait_for(lambda: "Server is ready" in log.read_text(), what="ready in log")
                log.rename(Path(d) / "natsd.log.1")
                out = run(NATSD, "--signal", f"reopen={srv.proc.pid}")
                self.assertEqual(out.returncode, 0, out.stderr)
                s, _ = srv.connect()
                s.close()
                wait_for(lambda: log.exists(), what="new log file")
            finally:
                srv.stop()
                srv.close()

    def test_signal_errors(self):
        out = run(NATSD, "--signal", "bogus=1")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("unknown signal", out.stderr)
        out = run(NATSD, "--signal", "quit=/nonexistent/pid/file")
        self.assertNotEqual(out.returncode, 0)

    def test_lame_duck_mode_announces_ldm_and_stops_accepting(self):
        srv = Server(NATSD)
        try:
            s, f = srv.connect()
            srv.proc.send_signal(signal.SIGUSR2)
            line = f.readline()
            self.assertTrue(line.startswith(b"INFO "), line)
            self.assertTrue(json.loads(line[5:])["ldm"])
            wait_for(lambda: "Entering lame duck mode" in srv.log.read_text(), what="ldm log")

            def refused():
                try:
                    socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()
                    return False
                except OSError:
                    return True
            wait_for(refused, what="listener closed")
            s.close()
            self.assertEqual(srv.stop(), 0)
        finally:
            srv.close()


class Logging(unittest.TestCase):
    def test_log_lines_have_nats_server_format(self):
        with tempfile.TemporaryDirectory() as d:
            log = Path(d) / "natsd.log"
            srv = Server(NATSD, "-l", str(log))
            try:
                wait_for(lambda: "Server is ready" in log.read_text(), what="ready")
                line = next(l for l in log.read_text().splitlines() if "Server is ready" in l)
                self.assertRegex(
                    line, rf"^\[{srv.proc.pid}\] \d{{4}}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{{6}} "
                    r"\[INF\] Server is ready$")
            finally:
                srv.stop()
                srv.close()

    def test_trace_shows_protocol_in_and_out(self):
        srv = Server(NATSD, "-DV", "-T=false")
        try:
            s, f = srv.connect()
            s.sendall(b"SUB foo 1\r\nPUB foo 2\r\nhi\r\nPING\r\n")
            self.assertEqual(f.readline(), b"MSG foo 1 2\r\n")
            s.close()
            text = wait_for(lambda: (t := srv.log.read_text()) and "->> [MSG foo 1 2]" in t and t,
                            what="trace lines")
            for expected in ("<<- [SUB foo 1]", "<<- [PUB foo 2]", '<<- MSG_PAYLOAD: ["hi"]',
                             "->> [PONG]", "[DBG]", "Client connection created"):
                self.assertIn(expected, text)
            self.assertRegex(text, r"(?m)^\[\d+\] \[TRC\] 127\.0\.0\.1:\d+ - cid:\d+ - <<- \[PING\]$")
        finally:
            srv.stop()
            srv.close()


class Auth(unittest.TestCase):
    def test_user_and_password_from_flags(self):
        srv = Server(NATSD, "--user", "alice", "--pass", "s3cret")
        try:
            s, f = srv.connect('{"verbose":false,"user":"alice","pass":"s3cret"}')
            s.close()
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            f = s.makefile("rb")
            info = json.loads(f.readline()[5:])
            self.assertTrue(info["auth_required"])
            s.sendall(b'CONNECT {"verbose":false,"user":"alice","pass":"wrong"}\r\nPING\r\n')
            self.assertEqual(f.readline(), b"-ERR 'Authorization Violation'\r\n")
            self.assertEqual(f.readline(), b"")  # closed
        finally:
            srv.stop()
            srv.close()

    def test_token_from_flags(self):
        srv = Server(NATSD, "--auth", "tok3n")
        try:
            s, f = srv.connect('{"verbose":false,"auth_token":"tok3n"}')
            s.close()
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            f = s.makefile("rb")
            f.readline()
            s.sendall(b'CONNECT {"verbose":false,"auth_token":"nope"}\r\n')
            self.assertEqual(f.readline(), b"-ERR 'Authorization Violation'\r\n")
        finally:
            srv.stop()
            srv.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
