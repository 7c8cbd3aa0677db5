#!/usr/bin/env python3
"""Accounts seen through monitoring and service latency, on natsd and on nats-server.

  accounts_test.py NATSD [REFERENCE_NATS_SERVER]

The same configuration runs on both servers; the checks are what nats-server 2.10 documents:
/accountz lists the accounts and details one (exports, imports, mappings), /connz names each
client's account, and a service export with `latency` publishes a ServiceLatency JSON for a
sampled request. Fields that 2.9.10 lacks or that depend on the system account are checked on
natsd only. Standard library only; every wait is bounded; servers are always stopped.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import tempfile
import time
import unittest
import urllib.request

from harness import ServerProcess

NATSD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/apps/natsd/natsd"
REF = sys.argv[2] if len(sys.argv) > 2 else "/usr/sbin/nats-server"
sys.argv = sys.argv[:1]
IO_TIMEOUT = 5.0

CONFIG = """
accounts {
  A: {
    users: [{user: a, password: a}]
    exports: [
      {service: "svc.time", latency: {sampling: 100, subject: "lat.time"}}
      {stream: "ev.>"}
    ]
    mappings: {"old": "new"}
  }
  B: {
    users: [{user: b, password: b}]
    imports: [
      {service: {account: A, subject: "svc.time"}, to: "time"}
      {stream: {account: A, subject: "ev.>"}, prefix: "a"}
    ]
  }
}
"""


class Server(ServerProcess):
    def __init__(self, exe: str):
        self.dir = tempfile.TemporaryDirectory()
        super().__init__(exe, self.dir.name, CONFIG, ("-m", "-1"))

    def get(self, path: str):
        with urllib.request.urlopen(self.http + path, timeout=IO_TIMEOUT) as r:
            return json.loads(r.read())

    def stop(self):
        super().stop()
        self.dir.cleanup()


class Client:
    def __init__(self, port: int, user: str):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        self.buf = b""
        self.line()  # INFO
        self.send('CONNECT {"verbose":false,"user":"%s","pass":"%s"}\r\n' % (user, user))
        self.sync()

    def send(self, text: str):
        self.sock.sendall(text.encode())

    def line(self) -> bytes:
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def sync(self):
        self.send("PING\r\n")
        while self.line() != b"PONG":
            pass

    def msg(self):
        """(subject, reply, payload) of the next MSG."""
        while True:
            line = self.line().decode()
            if line.startswith("MSG "):
                parts = line.split()
                size = int(parts[-1])
                while len(self.buf) < size + 2:
                    self.buf += self.sock.recv(65536)
                payload, self.buf = self.buf[:size], self.buf[size + 2:]
                reply = parts[3] if len(parts) == 5 else ""
                return parts[1], reply, payload

    def close(self):
        self.sock.close()


class Accounts(unittest.TestCase):
    def run_on(self, exe: str, natsd: bool):
        s = Server(exe)
        try:
            a, b = Client(s.port, "a"), Client(s.port, "b")
            # /accountz lists both accounts and $G.
            names = s.get("/accountz")["accounts"]
            for n in ("A", "B", "$G"):
                self.assertIn(n, names)
            det = s.get("/accountz?acc=B")["account_detail"]
            self.assertEqual(det["account_name"], "B")
            self.assertEqual(det["client_connections"], 1)
            imports = {(i["type"], i["subject"]): i for i in det["imports"]}
            if not natsd:  # 2.9.10 also lists its $SYS imports
                det["imports"] = [i for i in det["imports"] if i["account"] != "$SYS"]
            self.assertEqual(imports[("stream", "ev.>")]["local_subject"], "a.ev.>")
            self.assertEqual(imports[("stream", "ev.>")]["account"], "A")
            # 2.10 shows the exporter's subject as `subject` and ours as `to`; 2.9.10 the reverse.
            svc = [i for i in det["imports"] if i["type"] == "service"]
            self.assertEqual(len(svc), 1 if natsd else len(svc))
            self.assertIn({svc[0]["subject"], svc[0]["to"]}, [{"svc.time", "time"}])
            det_a = s.get("/accountz?acc=A")["account_detail"]
            exports = {e["subject"]: e for e in det_a["exports"]}
            self.assertEqual(exports["svc.time"]["type"], "service")
            self.assertEqual(exports["svc.time"]["response_type"], "Singleton")
            self.assertEqual(exports["ev.>"]["type"], "stream")
            if natsd:  # 2.10 fields
                self.assertEqual(det_a["mappings"], {"old": [{"subject": "new", "weight": 100}]})
                self.assertEqual(exports["svc.time"]["service_latency"],
                                 {"sampling": 100, "results": "lat.time"})
            # /connz names the account of each client.
            conns = s.get("/connz?auth=true")["connections"]
            self.assertEqual(sorted(c.get("account") for c in conns), ["A", "B"])
            self.assertEqual(len(s.get("/connz?acc=B")["connections"]), 1)

            # Service latency: requester in B, responder in A, results in A on lat.time.
            a.send("SUB svc.time 1\r\nSUB lat.time 2\r\n")
            a.sync()
            b.send("SUB _INBOX.t 1\r\nPUB time _INBOX.t 2\r\nhi\r\n")
            subject, reply, _ = a.msg()
            self.assertEqual(subject, "svc.time")
            self.assertRegex(reply, r"^_R_\.")
            a.send("PUB %s 4\r\nnoon\r\n" % reply)
            self.assertEqual(b.msg()[2], b"noon")
            subject, _, payload = a.msg()
            self.assertEqual(subject, "lat.time")
            lat = json.loads(payload)
            self.assertEqual(lat["type"], "io.nats.server.metric.v1.service_latency")
            self.assertEqual(lat["status"], 200)
            self.assertEqual(lat["requestor"]["acc"], "B")
            self.assertEqual(lat["responder"]["acc"], "A")
            for k in ("service", "system", "total"):
                self.assertGreaterEqual(lat[k], 0, k)
            self.assertGreaterEqual(lat["total"], lat["service"])
            self.assertRegex(lat["start"], r"^\d{4}-\d\d-\d\dT")
            a.close()
            b.close()
        finally:
            s.stop()

    def test_natsd(self):
        self.run_on(NATSD, True)

    @unittest.skipUnless(os.path.exists(REF), "reference nats-server not installed")
    def test_reference(self):
        self.run_on(REF, False)


if __name__ == "__main__":
    unittest.main(verbosity=2)
