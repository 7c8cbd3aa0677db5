#!/usr/bin/env python3
"""Fast producer stall, natsd against nats-server: a producer that publishes faster than its
subscriber reads is slowed down instead of the subscriber being closed as a slow consumer, and
a subscriber that stops reading altogether is still closed (the stall is bounded).

Usage: flow_test.py NATSD [REFERENCE_NATS_SERVER]

Raw sockets on both sides, so the pace of the subscriber is exactly what the test sets.
"""
import os
import socket
import sys
import tempfile
import threading
import time
import unittest

from harness import ServerProcess

NATSD = sys.argv[1] if len(sys.argv) > 1 else "build/apps/natsd/natsd"
REF = sys.argv[2] if len(sys.argv) > 2 else "/usr/sbin/nats-server"
sys.argv = sys.argv[:1]
SERVERS = [("natsd", NATSD)] + ([("nats-server", REF)] if os.path.exists(REF) else [])

MAX_PENDING = 4 * 1024 * 1024  # bytes; small, so a burst of 40 MB is ten times over it
PAYLOAD = 1024
COUNT = 40_000
MSG_BYTES = len(b"MSG flow 1 1024\r\n") + PAYLOAD + 2  # what the subscriber receives per message


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.recv(4096)  # INFO
    s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n')
    buf = b""
    while b"PONG\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise AssertionError("closed during the handshake")
        buf += chunk
    return s


def publish_burst(sock):
    """COUNT messages as fast as the socket takes them, then a PING."""
    one = b"PUB flow 1024\r\n" + b"p" * PAYLOAD + b"\r\n"
    batch = one * 64
    try:
        for _ in range(COUNT // 64):
            sock.sendall(batch)
        sock.sendall(b"PING\r\n")
    except OSError:
        pass  # the test fails on what the subscriber saw


class FastProducerStall(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def start(self, binary, extra_conf=""):
        srv = ServerProcess(binary, self.dir.name, f"max_pending: {MAX_PENDING}\n{extra_conf}")
        self.addCleanup(srv.stop)
        return srv

    def subscriber(self, port):
        sub = connect(port)
        # A small receive buffer, so the kernel does not absorb the burst for the server.
        sub.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        sub.sendall(b"SUB flow 1\r\nPING\r\n")
        sub.recv(64)  # PONG
        return sub

    def read_paced(self, srv):
        """A subscriber reading at 12 MB/s while a producer bursts 40 MB; returns the bytes it
        got and the first -ERR it saw."""
        rate = 12 * 1024 * 1024  # bytes/s: about a third of the burst's speed here
        sub = self.subscriber(srv.port)
        producer = connect(srv.port)
        t = threading.Thread(target=publish_burst, args=(producer,))
        t.start()
        received, start, error = 0, time.monotonic(), b""
        while received < COUNT * MSG_BYTES:
            data = sub.recv(65536)
            if not data:
                break
            if b"-ERR" in data and not error:
                error = data[data.find(b"-ERR"):][:80]
            received += len(data)
            due = start + received / rate
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
        t.join(30)
        sub.close()
        producer.close()
        return received, error

    def test_without_the_stall_the_slow_reader_is_closed(self):
        # no_fast_producer_stall arrived in nats-server 2.11: natsd only.
        srv = self.start(NATSD, "no_fast_producer_stall: true\n")
        received, _ = self.read_paced(srv)
        self.assertLess(received, COUNT * MSG_BYTES)
        self.assertIn("Slow Consumer", srv.log.read_text())

    def test_slow_reader_slows_the_producer_and_gets_everything(self):
        for name, binary in SERVERS:
            with self.subTest(server=name):
                srv = self.start(binary)
                received, error = self.read_paced(srv)
                self.assertEqual(error, b"")
                # A server PING may ride along: at least every message's bytes arrived.
                self.assertGreaterEqual(received, COUNT * MSG_BYTES,
                                 f"{received // MSG_BYTES} of {COUNT} messages, then closed")
                self.assertNotIn("Slow Consumer", srv.log.read_text())

    def test_reader_that_stops_is_still_closed_as_slow_consumer(self):
        for name, binary in SERVERS:
            with self.subTest(server=name):
                srv = self.start(binary)
                sub = self.subscriber(srv.port)
                producer = connect(srv.port)
                t = threading.Thread(target=publish_burst, args=(producer,))
                t.start()
                t.join(60)
                self.assertFalse(t.is_alive(), "the producer was held up for good")
                deadline = time.monotonic() + 10
                while "Slow Consumer" not in srv.log.read_text():
                    self.assertLess(time.monotonic(), deadline, "no slow consumer logged")
                    time.sleep(0.05)
                sub.close()
                producer.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
