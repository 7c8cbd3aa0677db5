#!/usr/bin/env python3
"""TLS for clients, the same scenarios against natsd and nats-server, compared.

Certificates are made at run time with the openssl command (a CA, a server certificate for
localhost and 127.0.0.1, client certificates with e-mail and DN identities, one from a foreign
CA). Each scenario runs against both servers with the same config file; features newer than the
reference (handshake_first, allow_non_tls) run against natsd alone.

Usage: tls_test.py NATSD [REFERENCE_NATS_SERVER]
"""
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from pathlib import Path

from harness import ServerProcess

NATSD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/apps/natsd/natsd"
REF = sys.argv[2] if len(sys.argv) > 2 else "/usr/sbin/nats-server"
sys.argv = sys.argv[:1]
SERVERS = {"natsd": NATSD, "nats-server": REF}


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


def make_certs(d):
    """CA, server, client certs; returns a dict of paths."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "1", "-subj", "/O=tests/CN=Test CA",
            cwd=d)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "other-ca-key.pem", "-out", "other-ca.pem", "-days", "1", "-subj",
            "/CN=Other CA", cwd=d)

    def leaf(name, subj, ext, ca="ca"):
        Path(d, f"{name}.ext").write_text(ext)
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", f"{name}-key.pem", "-out", f"{name}.csr", "-subj", subj, cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}-key.pem",
                "-CAcreateserial", "-out", f"{name}.pem", "-days", "1", "-extfile", f"{name}.ext",
                cwd=d)

    leaf("server", "/O=tests/CN=localhost",
         "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    leaf("server2", "/O=tests/CN=rotated",
         "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    leaf("alice", "/C=US/O=Acme/OU=eng/CN=alice",
         "subjectAltName=email:alice@example.com\nextendedKeyUsage=clientAuth\n")
    leaf("bob", "/C=US/O=Acme/OU=ops/CN=bob", "extendedKeyUsage=clientAuth\n")
    leaf("mallory", "/CN=mallory", "extendedKeyUsage=clientAuth\n", ca="other-ca")
    return {k: str(Path(d, f"{k}.pem")) for k in ("ca", "server", "server2", "alice", "bob", "mallory")}


def spki_sha256(cert_path):
    pub = subprocess.run(["openssl", "x509", "-in", cert_path, "-noout", "-pubkey"],
                         capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                         capture_output=True, check=True).stdout
    import hashlib
    return hashlib.sha256(der).hexdigest()


def Server(binary, conf_text, d, extra=()):
    return ServerProcess(binary, d, conf_text, extra)


def tls_context(certs, client=None):
    ctx = ssl.create_default_context(cafile=certs["ca"])
    if client:
        ctx.load_cert_chain(certs[client], certs[client].replace(".pem", "-key.pem"))
    return ctx


class Conn:
    """A raw protocol client: plain INFO, then TLS (unless told otherwise)."""

    def __init__(self, port, ctx=None, first=False, timeout=5):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.info = None
        if first:
            self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
            self.f = self.sock.makefile("rb")
            self.info = json.loads(self.f.readline()[5:])
            return
        self.info = json.loads(self._read_plain_line()[5:])
        if ctx is not None:
            self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.f = self.sock.makefile("rb")

    def _read_plain_line(self):
        line = b""
        while not line.endswith(b"\r\n"):
            ch = self.sock.recv(1)
            if not ch:
                break
            line += ch
        return line

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        return self.f.readline()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def closed_without_reply(conn):
    """True when the server closes the connection without sending anything more."""
    try:
        return conn.line() == b""
    except (ssl.SSLError, ConnectionResetError, socket.timeout, OSError):
        return True


class TlsBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.certs = make_certs(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def tls_block(self, extra=""):
        c = self.certs
        return (f'tls {{\n  cert_file: "{c["server"]}"\n  key_file: "{c["server"].replace(".pem", "-key.pem")}"\n'
                f'  ca_file: "{c["ca"]}"\n  timeout: 1\n{extra}}}\n')

    def each_server(self, conf, fn, servers=SERVERS, extra=()):
        """Runs fn(server) against each server; returns {name: result}."""
        out = {}
        for name, binary in servers.items():
            with self.subTest(server=name):
                s = Server(binary, conf, self.tmp.name, extra)
                try:
                    out[name] = fn(s)
                finally:
                    s.stop()
        return out


class TlsRequired(TlsBase):
    def test_info_advertises_tls_and_pub_sub_work_encrypted(self):
        def scenario(s):
            c = Conn(s.port, tls_context(self.certs))
            seen = {k: c.info.get(k) for k in ("tls_required", "tls_verify", "tls_available")}
            c.send(b'CONNECT {"verbose":false,"pedantic":false}\r\nSUB foo 1\r\nPUB foo 5\r\nhello\r\nPING\r\n')
            lines = [c.line(), c.line(), c.line()]
            c.close()
            return seen, lines
        results = self.each_server(self.tls_block(), scenario)
        self.assertEqual(results["natsd"], results["nats-server"])
        seen, lines = results["natsd"]
        self.assertEqual(seen, {"tls_required": True, "tls_verify": None, "tls_available": None})
        self.assertEqual(lines, [b"MSG foo 1 5\r\n", b"hello\r\n", b"PONG\r\n"])

    def test_large_messages_both_ways(self):
        def scenario(s):
            c = Conn(s.port, tls_context(self.certs))
            payload = bytes(range(256)) * 4000  # 1 MB minus a bit
            c.send(b'CONNECT {"verbose":false}\r\nSUB big 1\r\nPING\r\n')
            assert c.line() == b"PONG\r\n"
            for _ in range(3):
                c.send(b"PUB big %d\r\n%s\r\n" % (len(payload), payload))
            got = []
            for _ in range(3):
                header = c.line()
                body = c.f.read(len(payload) + 2)
                got.append((header, body[:-2] == payload))
            c.close()
            return got
        results = self.each_server(self.tls_block(), scenario)
        self.assertEqual(results["natsd"], results["nats-server"])
        self.assertEqual(results["natsd"], [(b"MSG big 1 1024000\r\n", True)] * 3)

    def test_plain_text_client_is_refused(self):
        def scenario(s):
            c = Conn(s.port)  # no TLS
            c.send(b'CONNECT {"verbose":false}\r\nPING\r\n')
            return closed_without_reply(c)
        results = self.each_server(self.tls_block(), scenario)
        self.assertEqual(results, {"natsd": True, "nats-server": True})

    def test_silent_client_is_dropped_after_the_tls_timeout(self):
        def scenario(s):
            c = Conn(s.port, timeout=5)
            start = time.monotonic()
            closed = closed_without_reply(c)
            return closed, round(time.monotonic() - start)
        results = self.each_server(self.tls_block(), scenario)
        self.assertEqual(results["natsd"], results["nats-server"])
        self.assertEqual(results["natsd"], (True, 1))

    def test_connz_shows_version_and_cipher(self):
        def scenario(s):
            c = Conn(s.port, tls_context(self.certs))
            c.send(b'CONNECT {"verbose":false,"name":"tls-client"}\r\nPING\r\n')
            c.line()
            connz = json.loads(urllib.request.urlopen(f"http://{s.http.split('//')[1]}/connz").read())
            varz = json.loads(urllib.request.urlopen(f"http://{s.http.split('//')[1]}/varz").read())
            c.close()
            conn = connz["connections"][0]
            return (conn.get("tls_version"), conn.get("tls_cipher_suite"), varz.get("tls_required"),
                    varz.get("tls_timeout"))
        results = self.each_server(self.tls_block(), scenario, extra=("-m", "-1"))
        self.assertEqual(results["natsd"], results["nats-server"])
        self.assertEqual(results["natsd"][0], "1.3")
        self.assertTrue(results["natsd"][1].startswith("TLS_"))


class HttpsMonitoring(TlsBase):
    def test_https_monitoring_serves_varz(self):
        def scenario(s):
            ctx = tls_context(self.certs)
            scheme, rest = s.http.split("://")
            varz = json.loads(urllib.request.urlopen(f"https://{rest}/varz", context=ctx).read())
            return scheme, varz.get("tls_required"), varz.get("https_port") != 0
        results = self.each_server(self.tls_block(), scenario, extra=("-ms", "-1"))
        self.assertEqual(results["natsd"], results["nats-server"])
        self.assertEqual(results["natsd"], ("https", True, True))

    def test_https_needs_tls_and_excludes_http(self):
        for binary in SERVERS.values():
            with self.subTest(server=binary):
                out = subprocess.run([binary, "-a", "127.0.0.1", "-p", "-1", "-ms", "-1"],
                                     capture_output=True, text=True, timeout=10)
                self.assertNotEqual(out.returncode, 0)
                self.assertIn("TLS cert and key required for HTTPS", out.stdout + out.stderr)


class Reload(TlsBase):
    def test_certificate_rotation_keeps_connected_clients(self):
        def scenario(s):
            old = Conn(s.port, tls_context(self.certs))
            old.send(b'CONNECT {"verbose":false}\r\nSUB x 1\r\nPING\r\n')
            old.line()
            first = old.sock.getpeercert()["subject"]
            s.reload(self.tls_block().replace("server.pem", "server2.pem")
                     .replace("server-key.pem", "server2-key.pem"))
            new = Conn(s.port, tls_context(self.certs))
            second = new.sock.getpeercert()["subject"]
            new.send(b'CONNECT {"verbose":false}\r\nPUB x 2\r\nhi\r\nPING\r\n')
            new.line()
            got = [old.line(), old.line()]
            old.close()
            new.close()
            return first, second, got
        results = self.each_server(self.tls_block(), scenario)
        self.assertEqual(results["natsd"], results["nats-server"])
        first, second, got = results["natsd"]
        self.assertEqual(dict(x[0] for x in first)["commonName"], "localhost")
        self.assertEqual(dict(x[0] for x in second)["commonName"], "rotated")
        self.assertEqual(got, [b"MSG x 1 2\r\n", b"hi\r\n"])


class ClientCertificates(TlsBase):
    def test_verify_requires_a_certificate_from_the_ca(self):
        def scenario(s):
            out = {}
            for who in (None, "mallory", "alice"):
                try:
                    c = Conn(s.port, tls_context(self.certs, who))
                    c.send(b'CONNECT {"verbose":false}\r\nPING\r\n')
                    out[str(who)] = c.line()
                    c.close()
                except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
                    out[str(who)] = "handshake failed"
            return out
        results = self.each_server(self.tls_block("  verify: true\n"), scenario)
        self.assertEqual(results["natsd"], results["nats-server"])
        # TLS 1.3 clients learn of the refusal on their first read.
        self.assertEqual(results["natsd"]["alice"], b"PONG\r\n")
        self.assertIn(results["natsd"]["None"], (b"", "handshake failed"))
        self.assertIn(results["natsd"]["mallory"], (b"", "handshake failed"))

    def test_verify_and_map_by_email_and_by_dn(self):
        conf = self.tls_block("  verify_and_map: true\n") + """
authorization {
  users = [
    {user: "alice@example.com", permissions: {publish: "alice.>"}}
    {user: "CN=bob,OU=ops,O=Acme,C=US", permissions: {publish: "bob.>"}}
  ]
}
"""
        def scenario(s):
            out = {}
            for who in ("alice", "bob"):
                c = Conn(s.port, tls_context(self.certs, who))
                # The CONNECT's user name doesn't matter: the certificate decides.
                c.send(b'CONNECT {"verbose":false,"user":"x"}\r\nPUB alice.1 0\r\n\r\nPUB bob.1 0\r\n\r\nPING\r\n')
                lines = []
                while True:
                    ln = c.line()
                    lines.append(ln)
                    if ln in (b"PONG\r\n", b""):
                        break
                out[who] = lines
                c.close()
            return out
        results = self.each_server(conf, scenario)
        self.assertEqual(results["natsd"], results["nats-server"])
        self.assertEqual(results["natsd"]["alice"],
                         [b"-ERR 'Permissions Violation for Publish to \"bob.1\"'\r\n", b"PONG\r\n"])
        self.assertEqual(results["natsd"]["bob"],
                         [b"-ERR 'Permissions Violation for Publish to \"alice.1\"'\r\n", b"PONG\r\n"])

    def test_verify_and_map_still_checks_a_connect_password(self):
        conf = self.tls_block("  verify_and_map: true\n") + """
authorization { users = [ {user: "alice@example.com"} ] }
"""
        def scenario(s):
            c = Conn(s.port, tls_context(self.certs, "alice"))
            c.send(b'CONNECT {"verbose":false,"user":"x","pass":"y"}\r\nPING\r\n')
            out = [c.line(), c.line()]
            c.close()
            return out
        results = self.each_server(conf, scenario)
        self.assertEqual(results["natsd"], results["nats-server"])
        self.assertEqual(results["natsd"], [b"-ERR 'Authorization Violation'\r\n", b""])

    def test_verify_and_map_refuses_unknown_identities(self):
        conf = self.tls_block("  verify_and_map: true\n") + """
authorization { users = [ {user: "someone-else@example.com"} ] }
"""
        def scenario(s):
            c = Conn(s.port, tls_context(self.certs, "alice"))
            c.send(b'CONNECT {"verbose":false}\r\nPING\r\n')
            out = [c.line(), c.line()]
            c.close()
            return out
        results = self.each_server(conf, scenario)
        self.assertEqual(results["natsd"], results["nats-server"])
        self.assertEqual(results["natsd"], [b"-ERR 'Authorization Violation'\r\n", b""])

    def test_pinned_certs(self):
        conf = self.tls_block(f'  verify: true\n  pinned_certs: ["{spki_sha256(self.certs["alice"])}"]\n')
        def scenario(s):
            out = {}
            for who in ("alice", "bob"):
                try:
                    c = Conn(s.port, tls_context(self.certs, who))
                    c.send(b'CONNECT {"verbose":false}\r\nPING\r\n')
                    out[who] = c.line()
                    c.close()
                except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
                    out[who] = b""
            return out
        results = self.each_server(conf, scenario)
        self.assertEqual(results["natsd"], results["nats-server"])
        self.assertEqual(results["natsd"], {"alice": b"PONG\r\n", "bob": b""})


class NewerThanReference(TlsBase):
    """2.10+ options the 2.9.10 reference lacks: natsd alone, against the documented behaviour."""

    def test_handshake_first(self):
        def scenario(s):
            c = Conn(s.port, tls_context(self.certs), first=True)
            c.send(b'CONNECT {"verbose":false}\r\nPING\r\n')
            out = (c.info.get("tls_required"), c.line())
            c.close()
            return out
        results = self.each_server(self.tls_block("  handshake_first: true\n"), scenario,
                                   servers={"natsd": NATSD})
        self.assertEqual(results["natsd"], (True, b"PONG\r\n"))

    def test_handshake_first_auto_falls_back_for_clients_that_wait_for_info(self):
        def scenario(s):
            first = Conn(s.port, tls_context(self.certs), first=True)
            first.send(b'CONNECT {"verbose":false}\r\nPING\r\n')
            late = Conn(s.port, tls_context(self.certs))  # reads INFO first, then upgrades
            late.send(b'CONNECT {"verbose":false}\r\nPING\r\n')
            out = (first.line(), late.line())
            first.close()
            late.close()
            return out
        results = self.each_server(self.tls_block('  handshake_first: "300ms"\n'), scenario,
                                   servers={"natsd": NATSD})
        self.assertEqual(results["natsd"], (b"PONG\r\n", b"PONG\r\n"))

    def test_min_version(self):
        def scenario(s):
            ctx = tls_context(self.certs)
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            try:
                Conn(s.port, ctx).close()
                return "connected"
            except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
                return "refused"
        results = self.each_server(self.tls_block('  min_version: "1.3"\n'), scenario,
                                   servers={"natsd": NATSD})
        self.assertEqual(results["natsd"], "refused")

    def test_allow_non_tls_takes_both(self):
        def scenario(s):
            tls = Conn(s.port, tls_context(self.certs))
            plain = Conn(s.port)
            out = [tls.info.get("tls_required"), tls.info.get("tls_available")]
            for c in (tls, plain):
                c.send(b'CONNECT {"verbose":false}\r\nPING\r\n')
                out.append(c.line())
                c.close()
            return out
        results = self.each_server(self.tls_block() + "allow_non_tls: true\n", scenario,
                                   servers={"natsd": NATSD})
        self.assertEqual(results["natsd"], [None, True, b"PONG\r\n", b"PONG\r\n"])


class Configuration(TlsBase):
    def check(self, binary, text):
        p = Path(self.tmp.name, "check.conf")
        p.write_text(text)
        return subprocess.run([binary, "-t", "-c", str(p)], capture_output=True, text=True,
                              timeout=10)

    def test_bad_tls_blocks_are_refused_by_both(self):
        c = self.certs
        for text in (
            f'tls {{ cert_file: "{c["server"]}" }}\n',
            f'tls {{ cert_file: "/nonexistent.pem", key_file: "/nonexistent-key.pem" }}\n',
            f'tls {{ cert_file: "{c["server"]}", key_file: "{c["server"]}" }}\n',
            'tls { cipher_suites: ["NOT_A_CIPHER"] }\n',
            'tls { min_version: "1.1" }\n',
            'tls { pinned_certs: ["abc"] }\n',
            'tls { bogus_key: 1 }\n',
        ):
            with self.subTest(text=text):
                ours, ref = self.check(NATSD, text), self.check(REF, text)
                self.assertNotEqual(ref.returncode, 0, ref.stderr)
                self.assertNotEqual(ours.returncode, 0, ours.stderr)

    def test_good_tls_block_passes_on_both(self):
        text = self.tls_block('  verify: true\n  cipher_suites: ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]\n'
                              '  curve_preferences: ["CurveP256", "X25519"]\n')
        ours, ref = self.check(NATSD, text), self.check(REF, text)
        self.assertEqual(ref.returncode, 0, ref.stderr)
        self.assertEqual(ours.returncode, 0, ours.stderr)

    def test_flags_turn_tls_on(self):
        c = self.certs
        flags = ("--tlscert", c["server"], "--tlskey", c["server"].replace(".pem", "-key.pem"))
        def scenario(s):
            conn = Conn(s.port, tls_context(self.certs))
            conn.send(b'CONNECT {"verbose":false}\r\nPING\r\n')
            out = (conn.info.get("tls_required"), conn.line())
            conn.close()
            return out
        results = self.each_server("", scenario, extra=flags)
        self.assertEqual(results["natsd"], results["nats-server"])
        self.assertEqual(results["natsd"], (True, b"PONG\r\n"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
