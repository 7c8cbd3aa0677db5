"""A NATS server process for the integration tests: natsd or nats-server, same flags.

Starts `<binary> [-c CONF] -a 127.0.0.1 -p -1 --ports_file_dir DIR -l LOG [extra...]`, waits for the
ports file (read only once complete JSON), and exposes the client port, the monitoring URL (when
`-m`/`-ms` was given), the config file (to rewrite for reloads) and the log.
"""
import json
import signal
import subprocess
import time
from pathlib import Path

START_TIMEOUT = 10  # seconds until the ports file must be there
STOP_TIMEOUT = 10   # seconds after SIGTERM before SIGKILL


class ServerProcess:
    def __init__(self, binary, directory, conf_text=None, extra=()):
        self.binary = str(binary)
        stem = f"server-{time.monotonic_ns()}"
        self.conf = Path(directory, stem + ".conf")
        self.log = Path(directory, stem + ".log")
        args = [self.binary]
        if conf_text is not None:
            self.conf.write_text(conf_text)
            args += ["-c", str(self.conf)]
        args += ["-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", str(directory),
                 "-l", str(self.log), *extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ports_file = Path(directory, f"{Path(self.binary).name}_{self.proc.pid}.ports")
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            ports = self._read_ports(ports_file)
            if ports is not None:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log = self.log.read_text() if self.log.exists() else ""
                raise RuntimeError(f"{self.binary} did not start: {log[-2000:]}")
            time.sleep(0.02)
        self.port = int(ports["nats"][0].rsplit(":", 1)[1])
        self.http = ports.get("monitoring", [None])[0]

    @staticmethod
    def _read_ports(path):
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return None  # not there yet, or caught half written

    def reload(self, conf_text, expect_ok=True):
        """Rewrites the config, sends SIGHUP and waits until the outcome is logged."""
        self.conf.write_text(conf_text)
        marker = "Reloaded server configuration" if expect_ok else "Failed to reload"
        before = self.log.read_text().count(marker)
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while self.log.read_text().count(marker) <= before:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {marker!r} in the log:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.02)
        time.sleep(0.1)  # nats-server logs before it has finished checking clients

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
