#!/usr/bin/env python3
"""Differential client-protocol test: replays raw transcripts against two NATS servers.

Each transcript (tests/diff/transcripts/*.txt, format in tests/diff/README.md) is replayed
against a fresh server process; what every client connection received is rendered into a
text record, with what legitimately differs between servers masked (ids, versions, ports,
nonces). The records of our `natsd` and of the reference nats-server must be equal.

  run_diff.py --natsd PATH --ref PATH [--only NAME[,NAME]] [-v]   compare, exit 1 on a difference
  run_diff.py --record PATH [--only NAME]                         print one server's records

Standard library only. Responses are collected deterministically: after each step the
acting connection, then every other established connection, is synced with PING/PONG
(per-connection ordering guarantees that everything the server produced before the PONG
was written before it), EOF is recorded as <closed>. No sleeps where a condition can be
polled; the only pauses are the sub-millisecond gaps of split sends.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import fnmatch
import glob
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_TRANSCRIPTS = HERE / "transcripts"

SERVER_START_TIMEOUT = 10.0  # seconds to wait for the ports file
SYNC_TIMEOUT = 5.0  # seconds to wait for a sync PONG before recording <timeout>
WAIT_TIMEOUT = 5.0  # seconds for `wait` and `expect_closed` (unless given)
SPLIT_GAP = 0.0005  # seconds between the pieces of a split send
RENDER_MAX = 160  # bytes of a line/payload rendered in full; longer ones are summarised
TRANSCRIPT_BUDGET = 30.0  # seconds per transcript replay; the rest is skipped and recorded
EXIT_SKIP = 77  # CTest SKIP_RETURN_CODE: the reference server is not installed

# ---------------------------------------------------------------------------------------------
# INFO masking. See README.md "Masking" for the rationale of each list.
# ---------------------------------------------------------------------------------------------

# Present in both, value differs legitimately: key kept, value replaced by its JSON type.
INFO_MASK_VALUE = {
    "server_id",  # random nkey per start
    "server_name",  # defaults to server_id
    "version",  # 2.9.10 vs ours
    "go",  # Go toolchain version vs whatever we put there
    "port",  # free port chosen at start
    "client_id",  # a counter: internal clients (system account, JetStream) shift it
    "nonce",  # random, only when auth needs a signature
}
# May be present on one side only (version or build differences); ignored entirely.
INFO_OPTIONAL = {
    "git_commit",  # Debian's 2.9.10 build has none; ours may
    "xkey",  # 2.10+: auth callout curve key
    "connect_urls",  # cluster gossip, content depends on topology
    "ws_connect_urls",
    "cluster",  # cluster name, only when clustered
    "domain",  # JetStream domain
    "ldm",  # lame-duck mode flag
    "connect_info",  # 2.12+: async INFO after first PONG
    "remote_account",  # 2.12+
    "acc_is_sys",  # 2.12+
    "api_lvl",  # JetStream API level (2.11+)
}


# Reply subjects a server makes up for service imports ("_R_." + 6 + "." + 6 random base-62
# characters) differ from run to run: shown as _R_.<id>.
_SERVICE_REPLY = re.compile(r"_R_\.[0-9A-Za-z]{6}\.[0-9A-Za-z]{6}")


def mask_service_replies(text: str) -> str:
    return _SERVICE_REPLY.sub("_R_.<id>", text)


def mask_info_json(text: str) -> str:
    try:
        obj = json.loads(text)
    except ValueError:
        return "<unparsable INFO JSON> " + text
    if not isinstance(obj, dict):
        return "<INFO JSON not an object> " + text
    out = {}
    for k, v in obj.items():
        if k in INFO_OPTIONAL:
            continue
        if k in INFO_MASK_VALUE:
            out[k] = "<%s>" % type(v).__name__
        else:
            out[k] = v
    return json.dumps(out, sort_keys=True, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------
# Byte escaping, transcript data syntax.
# ---------------------------------------------------------------------------------------------

_REP_RE = re.compile(r"\{\{rep (\d+) ((?:[^}\\]|\\.)*)\}\}")


def unescape(text: str) -> bytes:
    """Transcript data -> bytes. Escapes: \\r \\n \\t \\\\ \\xHH \\s (space) \\e (nothing);
    {{rep N TEXT}} repeats TEXT (itself escaped) N times."""

    def plain(s: str) -> bytes:
        out = bytearray()
        i = 0
        while i < len(s):
            c = s[i]
            if c != "\\":
                out += c.encode("utf-8")
                i += 1
                continue
            if i + 1 >= len(s):
                raise ValueError("dangling backslash in %r" % s)
            e = s[i + 1]
            if e == "r":
                out += b"\r"
            elif e == "n":
                out += b"\n"
            elif e == "t":
                out += b"\t"
            elif e == "s":
                out += b" "
            elif e == "e":
                pass
            elif e == "\\":
                out += b"\\"
            elif e == "{" or e == "}":
                out += e.encode()
            elif e == "x":
                out.append(int(s[i + 2 : i + 4], 16))
                i += 2
            else:
                raise ValueError("unknown escape \\%s in %r" % (e, s))
            i += 2
        return bytes(out)

    out = bytearray()
    pos = 0
    for m in _REP_RE.finditer(text):
        out += plain(text[pos : m.start()])
        out += plain(m.group(2)) * int(m.group(1))
        pos = m.end()
    out += plain(text[pos:])
    return bytes(out)


def render_bytes(b: bytes, limit: int = RENDER_MAX) -> str:
    """Printable, unambiguous rendering; long data is summarised by length and digest."""
    if len(b) > limit:
        digest = hashlib.sha256(b).hexdigest()[:16]
        return "%s...<%d bytes sha256:%s>" % (render_bytes(b[:48], limit), len(b), digest)
    out = []
    for x in b:
        c = chr(x)
        if c == "\\":
            out.append("\\\\")
        elif c == "\r":
            out.append("\\r")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif 0x20 <= x < 0x7F:
            out.append(c)
        else:
            out.append("\\x%02x" % x)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Server -> client stream parser: splits what a server sends into protocol events.
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Event:
    kind: str  # "line" | "msg" | "closed" | "partial" | "note"
    raw: bytes = b""  # control line including its line ending
    payload: bytes = b""  # MSG/HMSG payload including the trailing \r\n
    text: str = ""  # for notes

    def is_pong(self) -> bool:
        return self.kind == "line" and self.raw == b"PONG\r\n"

    def render(self) -> list[str]:
        if self.kind == "closed":
            return ["<closed>"]
        if self.kind == "note":
            return ["<%s>" % self.text]
        if self.kind == "partial":
            return ["<incomplete at close> " + render_bytes(self.raw)]
        line = self.raw
        if line.startswith(b"INFO"):
            m = re.match(rb"^INFO([ \t]+)(\{.*\})([ \t]*)\r\n$", line, re.S)
            if m:
                js = mask_info_json(m.group(2).decode("utf-8", "replace"))
                return [
                    "INFO%s%s%s\\r\\n"
                    % (render_bytes(m.group(1)), js, render_bytes(m.group(3)))
                ]
        out = [mask_service_replies(render_bytes(line))]
        if self.kind == "msg":
            out.append("  payload " + render_bytes(self.payload))
        return out


def _msg_key(ev: Event) -> tuple | None:
    """(op, subject, reply, sizes, payload) of a MSG/HMSG event, i.e. everything but the sid."""
    if ev.kind != "msg":
        return None
    parts = ev.raw.split()
    op = parts[0].upper()
    nsizes = 2 if op == b"HMSG" else 1
    reply = parts[2:-nsizes][1:]  # fields between sid and sizes
    return (op, parts[1], tuple(reply), tuple(parts[-nsizes:]), ev.payload)


def normalize(events: list[Event]) -> list[Event]:
    """One published message delivered to several subscriptions of one connection arrives as
    consecutive MSGs that differ only in sid; their order is unspecified (nats-server walks
    Go maps), so such runs are sorted by sid. Everything else keeps its order."""
    out: list[Event] = []
    i = 0
    while i < len(events):
        key = _msg_key(events[i])
        j = i + 1
        if key is not None:
            while j < len(events) and _msg_key(events[j]) == key:
                j += 1
        run = events[i:j]
        if len(run) > 1:
            run.sort(key=lambda ev: ev.raw.split()[2])
        out.extend(run)
        i = j
    return out


class StreamParser:
    """Incremental parser of the server->client protocol. MSG/HMSG payloads are framed by
    their declared size, so payload bytes are never mistaken for protocol lines."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.pending_msg: bytes | None = None  # control line of a MSG awaiting its payload
        self.pending_size = 0

    def feed(self, data: bytes) -> list[Event]:
        self.buf += data
        events: list[Event] = []
        while True:
            if self.pending_msg is not None:
                need = self.pending_size + 2
                if len(self.buf) < need:
                    break
                events.append(Event("msg", raw=self.pending_msg, payload=bytes(self.buf[:need])))
                del self.buf[:need]
                self.pending_msg = None
                continue
            nl = self.buf.find(b"\n")
            if nl < 0:
                break
            line = bytes(self.buf[: nl + 1])
            del self.buf[: nl + 1]
            size = self._msg_size(line)
            if size is None:
                events.append(Event("line", raw=line))
            else:
                self.pending_msg, self.pending_size = line, size
        return events

    @staticmethod
    def _msg_size(line: bytes) -> int | None:
        parts = line.split()
        if not parts:
            return None
        op = parts[0].upper()
        try:
            if op == b"MSG" and len(parts) in (4, 5):
                return int(parts[-1])
            if op == b"HMSG" and len(parts) in (5, 6):
                return int(parts[-1])
        except ValueError:
            return None
        return None

    def flush(self) -> list[Event]:
        rest = (self.pending_msg or b"") + bytes(self.buf)
        self.buf.clear()
        self.pending_msg = None
        return [Event("partial", raw=rest)] if rest else []


# ---------------------------------------------------------------------------------------------
# Server process management.
# ---------------------------------------------------------------------------------------------


class ServerError(Exception):
    pass


def _die_with_parent() -> None:
    """In the forked child: have Linux SIGKILL the server if this runner dies, even by SIGKILL
    (a CTest timeout), so no server outlives its test."""
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


class Server:
    """A server process on a free loopback port, in its own temp dir. Owned by one replay."""

    def __init__(self, exe: str, extra_args: list[str], config: str | None) -> None:
        self.exe = exe
        self.dir = tempfile.mkdtemp(prefix="natsdiff-")
        self.log_path = os.path.join(self.dir, "server.log")
        args = [exe, "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", self.dir]
        if config is not None:
            cfg = os.path.join(self.dir, "server.conf")
            with open(cfg, "w") as f:
                f.write(config)
            args += ["-c", cfg]
        args += extra_args
        self.args = args
        self.log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(
                args,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        except OSError as e:
            self.log.close()
            shutil.rmtree(self.dir, ignore_errors=True)
            raise ServerError("cannot start %s: %s" % (exe, e))
        try:
            self.host, self.port = self._wait_ports_file()
        except ServerError:
            self.stop()
            raise

    def _wait_ports_file(self) -> tuple[str, int]:
        exact = os.path.join(self.dir, "%s_%d.ports" % (os.path.basename(self.exe), self.proc.pid))
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        delay = 0.002
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(
                    "%s exited with %s before writing its ports file; log:\n%s"
                    % (self.exe, self.proc.returncode, self.log_tail())
                )
            candidates = [exact] if os.path.exists(exact) else glob.glob(
                os.path.join(self.dir, "*.ports")
            )
            for path in candidates:
                try:
                    with open(path) as f:
                        data = json.load(f)
                    url = data["nats"][0]
                except (OSError, ValueError, KeyError, IndexError):
                    continue  # written non-atomically: retry
                m = re.match(r"^nats://([^:/]+):(\d+)$", url)
                if m:
                    return m.group(1), int(m.group(2))
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        raise ServerError("%s wrote no ports file within %.0fs" % (self.exe, SERVER_START_TIMEOUT))

    def log_tail(self, n: int = 30) -> str:
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> int | None:
        """Stops the server; returns its exit code if it had exited on its own."""
        exited = self.proc.poll()
        if exited is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return exited

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Client connections.
# ---------------------------------------------------------------------------------------------

_PING_LINE = re.compile(rb"(?im)^ping")


def count_pings(data: bytes) -> int:
    """PING control lines in client data: a line starting with `ping` in any case (the server
    ignores everything after PING up to \\n). Transcripts must not put such lines in payloads."""
    return len(_PING_LINE.findall(data))


class Conn:
    """One raw client connection. `events` holds what was received but not yet recorded."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name = name
        self.sock = socket.create_connection((host, port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.parser = StreamParser()
        self.events: list[Event] = []
        self.closed = False  # EOF or reset seen (recorded as <closed>)
        self.established = False  # takes part in the automatic sync after each step
        self.owed_pongs = 0  # PINGs sent (as counted) that no PONG answered yet
        self.stalled = False  # a sync timed out: no further syncs
        self.last_reply = b""  # reply subject of the last MSG/HMSG received, for {{reply C}}

    def _on_data(self, data: bytes) -> None:
        for ev in self.parser.feed(data):
            if ev.is_pong() and self.owed_pongs > 0:
                self.owed_pongs -= 1
            key = _msg_key(ev)
            if key is not None and key[2]:
                self.last_reply = key[2][0]
            self.events.append(ev)

    def _on_eof(self) -> None:
        if not self.closed:
            self.closed = True
            self.events.extend(self.parser.flush())
            self.events.append(Event("closed"))

    def read_once(self, timeout: float) -> bool:
        """Waits up to timeout for data; returns True if something (data or EOF) arrived."""
        if self.closed:
            return False
        r, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        if not r:
            return False
        try:
            data = self.sock.recv(1 << 20)
        except BlockingIOError:
            return False
        except (ConnectionResetError, ConnectionAbortedError):
            data = b""
        if not data:
            self._on_eof()
        else:
            self._on_data(data)
        return True

    def send(self, data: bytes) -> None:
        self.owed_pongs += count_pings(data)  # before: PONGs may arrive while sending
        self._send_raw(data)

    def _send_raw(self, data: bytes) -> None:
        """Sends everything, reading meanwhile so a server writing to us never deadlocks."""
        view = memoryview(data)
        while view and not self.closed:
            r, w, _ = select.select([self.sock], [self.sock], [], 5.0)
            if r:
                self.read_once(0)
            if w and not self.closed:
                try:
                    n = self.sock.send(view)
                    view = view[n:]
                except BlockingIOError:
                    pass
                except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                    # The server closed; what it sent before is still readable.
                    self.drain_to_eof(2.0)
                    return
            if not r and not w:
                self.events.append(Event("note", text="send stalled"))
                return

    def send_split(self, data: bytes, pieces: list[bytes]) -> None:
        self.owed_pongs += count_pings(data)
        for i, piece in enumerate(pieces):
            if self.closed:
                break
            if i:
                time.sleep(SPLIT_GAP)
            self._send_raw(piece)

    def drain_to_eof(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.read_once(left)
        return True

    def sync(self) -> None:
        """PING and read until every PONG owed (for PINGs counted in data sent, plus this one)
        arrived, or EOF. The sync PONG itself, the last one, is removed from the events."""
        if self.closed or self.stalled:
            return
        self.send(b"PING\r\n")
        deadline = time.monotonic() + SYNC_TIMEOUT
        while not self.closed and self.owed_pongs > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                # A server that misses one PONG would miss them all: stop syncing this
                # connection so a hung server costs one timeout per connection, not per step.
                self.events.append(Event("note", text="timeout waiting for sync PONG, no more syncs"))
                self.stalled = True
                return
            self.read_once(left)
        if not self.closed:
            for i in range(len(self.events) - 1, -1, -1):
                if self.events[i].is_pong():
                    del self.events[i]
                    break

    def take(self) -> list[Event]:
        ev, self.events = self.events, []
        return ev

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.closed = True


# ---------------------------------------------------------------------------------------------
# Transcripts.
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Step:
    lineno: int
    op: str
    conn: str = ""
    data: bytes = b""
    arg: str = ""
    template: str = ""  # data text with {{reply C}}, expanded when the step runs


@dataclasses.dataclass
class Transcript:
    name: str
    path: Path
    desc: str = ""
    args: list[str] = dataclasses.field(default_factory=list)
    config: str | None = None
    steps: list[Step] = dataclasses.field(default_factory=list)


class TranscriptError(Exception):
    pass


DATA_OPS = {"send", "send_split", "send_nosync", "split_each"}
# {{reply C}} in send data: the reply subject of the last message connection C received (a
# service import's _R_ subject, say, which the transcript cannot know in advance).
_REPLY_REF = re.compile(r"\{\{reply (\w+)\}\}")


def parse_transcript(path: Path) -> Transcript:
    t = Transcript(name=path.stem, path=path)
    config_lines: list[str] = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("@"):
            key, _, val = line[1:].partition(" ")
            if key == "desc":
                t.desc = (t.desc + " " + val.strip()).strip()
            elif key == "args":
                t.args += val.split()
            elif key == "config":
                config_lines.append(val)
            else:
                raise TranscriptError("%s:%d: unknown directive @%s" % (path, lineno, key))
            continue
        op, _, rest = line.partition(" ")
        try:
            if op in ("send", "send_split", "send_nosync"):
                conn, sep, data = rest.partition(" ")
                if not conn or not sep:
                    raise TranscriptError("%s:%d: %s needs <conn> <data>" % (path, lineno, op))
                if _REPLY_REF.search(data):
                    t.steps.append(Step(lineno, op, conn, unescape(_REPLY_REF.sub("", data)),
                                        template=data))
                else:
                    t.steps.append(Step(lineno, op, conn, unescape(data)))
            elif op == "split_each":
                t.steps.append(Step(lineno, op, "", unescape(rest)))
            elif op in ("connect", "close", "sync"):
                conn = rest.strip()
                if not conn or " " in conn:
                    raise TranscriptError("%s:%d: %s needs one <conn>" % (path, lineno, op))
                t.steps.append(Step(lineno, op, conn))
            elif op in ("expect_quiet", "expect_closed"):
                parts = rest.split()
                if len(parts) not in (1, 2):
                    raise TranscriptError("%s:%d: %s <conn> [ms]" % (path, lineno, op))
                ms = parts[1] if len(parts) == 2 else ""
                if ms and not ms.isdigit():
                    raise TranscriptError("%s:%d: bad ms %r" % (path, lineno, ms))
                t.steps.append(Step(lineno, op, parts[0], arg=ms))
            elif op == "wait":
                conn, _, spec = rest.partition(" ")
                kind, _, val = spec.partition(" ")
                if kind == "lines" and val.strip().isdigit():
                    pass
                elif kind == "for" and val:
                    re.compile(val)
                else:
                    raise TranscriptError(
                        "%s:%d: wait <conn> lines <n> | wait <conn> for <regex>" % (path, lineno)
                    )
                t.steps.append(Step(lineno, op, conn, arg=spec))
            else:
                raise TranscriptError("%s:%d: unknown step %r" % (path, lineno, op))
        except ValueError as e:
            raise TranscriptError("%s:%d: %s" % (path, lineno, e))
    if config_lines:
        t.config = "\n".join(config_lines) + "\n"
    check_connections(t)
    return t


def check_connections(t: Transcript) -> None:
    """Every step names a connection opened by `connect` and not yet `close`d."""
    open_conns: set[str] = set()
    for st in t.steps:
        if st.op == "connect":
            if st.conn in open_conns:
                raise TranscriptError("%s:%d: %r is already open" % (t.path, st.lineno, st.conn))
            open_conns.add(st.conn)
        elif st.op != "split_each" and st.conn not in open_conns:
            raise TranscriptError("%s:%d: %r is not open" % (t.path, st.lineno, st.conn))
        elif st.op == "close":
            open_conns.discard(st.conn)


def describe_step(st: Step) -> str:
    if st.op in DATA_OPS:
        shown = render_bytes(st.data, limit=96)
        return "%s %s%s" % (st.op, (st.conn + " ") if st.conn else "", shown)
    if st.op in ("expect_quiet", "expect_closed", "wait"):
        return "%s %s %s" % (st.op, st.conn, st.arg)
    return "%s %s" % (st.op, st.conn)


# ---------------------------------------------------------------------------------------------
# Replay.
# ---------------------------------------------------------------------------------------------


def _closed_conn(name: str) -> Conn:
    c = Conn.__new__(Conn)
    c.name, c.sock, c.parser, c.events = name, None, StreamParser(), []
    c.closed, c.established, c.owed_pongs, c.stalled = True, False, 0, False
    c.last_reply = b""
    return c


class Replay:
    """Replays one transcript against one server and produces the text record."""

    def __init__(self, t: Transcript, server: Server) -> None:
        self.t = t
        self.server = server
        self.conns: dict[str, Conn] = {}
        self.out: list[str] = []

    def conn(self, st: Step) -> Conn:
        c = self.conns.get(st.conn)
        if c is None:  # its `connect` failed (recorded there): stand in with a closed one
            c = self.conns[st.conn] = _closed_conn(st.conn)
        return c

    def record(self) -> None:
        for name in sorted(self.conns):
            c = self.conns[name]
            for ev in normalize(c.take()):
                for line in ev.render():
                    self.out.append("  %s< %s" % (name, line))

    def reply_of(self, name: str) -> str:
        c = self.conns.get(name)
        return c.last_reply.decode("utf-8", "replace") if c is not None else ""

    def sync_all(self, first: Conn | None) -> None:
        if first is not None and not first.closed:
            first.sync()
        for name in sorted(self.conns):
            c = self.conns[name]
            if c is not first and c.established and not c.closed:
                c.sync()

    def run(self) -> list[str]:
        deadline = time.monotonic() + TRANSCRIPT_BUDGET
        for st in self.t.steps:
            if time.monotonic() > deadline:
                self.out.append("<aborted: over the %.0fs budget>" % TRANSCRIPT_BUDGET)
                break
            self.out.append("== %d: %s" % (st.lineno, describe_step(st)))
            self.step(st)
            self.record()
        self.out.append("== end")
        self.sync_all(None)
        self.record()
        for c in self.conns.values():
            c.close()
        return self.out

    def step(self, st: Step) -> None:
        op = st.op
        if op == "connect":
            try:
                c = Conn(st.conn, self.server.host, self.server.port)
            except OSError as e:
                self.out.append("  %s< <connect failed: %s>" % (st.conn, e.__class__.__name__))
                return
            self.conns[st.conn] = c
            self._wait_events(c, 1, WAIT_TIMEOUT)  # the INFO
            return
        if op == "split_each":
            self.split_each(st)
            return
        c = self.conn(st)
        if st.template:
            st = dataclasses.replace(st, data=unescape(_REPLY_REF.sub(
                lambda m: self.reply_of(m.group(1)), st.template)))
        if op == "send":
            c.send(st.data)
            c.established = True
            self.sync_all(c)
        elif op == "send_split":
            c.send_split(st.data, [st.data[i : i + 1] for i in range(len(st.data))])
            c.established = True
            self.sync_all(c)
        elif op == "send_nosync":
            c.send(st.data)
            # Left mid-operation maybe: exclude from automatic sync until `sync`/`send`.
            c.established = False
        elif op == "sync":
            c.established = True
            self.sync_all(c)
        elif op == "expect_quiet":
            ms = int(st.arg or "200")
            deadline = time.monotonic() + ms / 1000.0
            while not c.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                c.read_once(left)
        elif op == "expect_closed":
            ms = int(st.arg) if st.arg else int(WAIT_TIMEOUT * 1000)
            if not c.drain_to_eof(ms / 1000.0):
                c.events.append(Event("note", text="still open after %d ms" % ms))
        elif op == "wait":
            kind, _, val = st.arg.partition(" ")
            if kind == "lines":
                self._wait_events(c, int(val), WAIT_TIMEOUT)
            else:
                self._wait_regex(c, re.compile(val, re.M), WAIT_TIMEOUT)
        elif op == "close":
            c.close()
            del self.conns[st.conn]

    def _wait_events(self, c: Conn, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(c.events) < n and not c.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                c.events.append(Event("note", text="timeout"))
                return
            c.read_once(left)

    def _wait_regex(self, c: Conn, rx: re.Pattern, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            text = "\n".join(line for ev in c.events for line in ev.render())
            if rx.search(text) or c.closed:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                c.events.append(Event("note", text="timeout"))
                return
            c.read_once(left)

    def split_each(self, st: Step) -> None:
        """For every split point k, a fresh connection sends data[:k] then data[k:]; all
        must produce the same events. Records the common result, or each distinct one."""
        data = st.data
        results: dict[tuple[str, ...], list[int]] = {}
        for k in range(1, len(data)):
            try:
                c = Conn("split", self.server.host, self.server.port)
            except OSError as e:
                results.setdefault(("<connect failed: %s>" % e.__class__.__name__,), []).append(k)
                continue
            try:
                self._wait_events(c, 1, WAIT_TIMEOUT)
                c.take()  # INFO: checked by other transcripts
                c.send_split(data, [data[:k], data[k:]])
                c.sync()
                lines = tuple(line for ev in normalize(c.take()) for line in ev.render())
            finally:
                c.close()
            results.setdefault(lines, []).append(k)
        if len(results) == 1:
            (lines, ks), = results.items()
            self.out.append("  split< all %d split points alike:" % len(ks))
            self.out.extend("  split< %s" % line for line in lines)
        else:
            self.out.append("  split< %d distinct results:" % len(results))
            for lines, ks in sorted(results.items(), key=lambda kv: kv[1][0]):
                self.out.append("  split< at k=%s:" % ",".join(map(str, ks)))
                self.out.extend("  split<   %s" % line for line in lines)


_start_failures: dict[tuple, str] = {}


_CONFIG_ERROR = re.compile(r"server\.conf:(\d+):\d+: (.*)$")


def start_failure_record(message: str) -> list[str]:
    """A server that refused to start: its configuration errors (`server.conf:LINE: reason`,
    sorted: nats-server reports several in map order), with the program name, the temp dir and
    the column left out (nats-server counts columns of some tokens from 0). Otherwise the
    first line of the failure."""
    errors = sorted({"server.conf:%s: %s" % m.groups() for m in
                     (_CONFIG_ERROR.search(l.strip()) for l in message.splitlines()) if m})
    if not errors:
        return ["<server failed to start: %s>" % message.splitlines()[0]]
    return ["<server failed to start>"] + ["  " + e for e in errors]


def replay(t: Transcript, exe: str) -> tuple[list[str], str]:
    """Returns (record, server log tail). A server that failed to start with some arguments
    is not retried with the same ones (a hanging binary would cost the timeout each time)."""
    key = (exe, tuple(t.args), t.config)
    if key in _start_failures:
        msg = _start_failures[key]
        return start_failure_record(msg), msg
    try:
        server = Server(exe, t.args, t.config)
    except ServerError as e:
        _start_failures[key] = str(e)
        return start_failure_record(str(e)), str(e)
    try:
        r = Replay(t, server)
        try:
            record = r.run()
        finally:
            for c in r.conns.values():
                c.close()
        if not server.alive():
            record.append("<server exited with code %s>" % server.proc.returncode)
    finally:
        server.stop()
        tail = server.log_tail()
        server.cleanup()
    return record, tail


# ---------------------------------------------------------------------------------------------
# Main.
# ---------------------------------------------------------------------------------------------


def select_transcripts(directory: Path, only: str | None) -> list[Path]:
    paths = sorted(directory.glob("*.txt"))
    if only:
        pats = [p.strip() for p in only.split(",") if p.strip()]
        paths = [p for p in paths if any(fnmatch.fnmatch(p.stem, pat) for pat in pats)]
    return paths


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--natsd", help="our server binary")
    ap.add_argument("--ref", help="reference nats-server binary")
    ap.add_argument("--record", metavar="PATH", help="print what this server answers, no diff")
    ap.add_argument("--only", help="transcript names (stems), comma separated, globs allowed")
    ap.add_argument("--transcripts", default=str(DEFAULT_TRANSCRIPTS), help="transcript directory")
    ap.add_argument("-v", "--verbose", action="store_true", help="print records and server logs")
    args = ap.parse_args(argv)
    # SIGTERM (CTest timeout, Ctrl-C) unwinds through the `finally` blocks that stop servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    paths = select_transcripts(Path(args.transcripts), args.only)
    if not paths:
        print("no transcripts selected", file=sys.stderr)
        return 2
    try:
        transcripts = [parse_transcript(p) for p in paths]
    except TranscriptError as e:
        print("transcript error: %s" % e, file=sys.stderr)
        return 2

    if args.record:
        for t in transcripts:
            record, tail = replay(t, args.record)
            print("### %s%s" % (t.name, (" -- " + t.desc) if t.desc else ""))
            print("\n".join(record))
            if args.verbose:
                print("--- server log ---\n" + tail)
            print()
        return 0

    if not args.natsd or not args.ref:
        ap.error("need --natsd and --ref (or --record)")
    if not os.access(args.ref, os.X_OK):
        print("SKIP: reference server %s is not installed (apt-get install nats-server)"
              % args.ref, file=sys.stderr)
        return EXIT_SKIP
    if not os.access(args.natsd, os.X_OK):
        print("not an executable: %s" % args.natsd, file=sys.stderr)
        return 2

    failed = []
    start = time.monotonic()
    for t in transcripts:
        t0 = time.monotonic()
        ref_rec, ref_log = replay(t, args.ref)
        our_rec, our_log = replay(t, args.natsd)
        took = time.monotonic() - t0
        if ref_rec == our_rec:
            print("ok    %-40s %.2fs" % (t.name, took))
            if args.verbose:
                print("\n".join("      " + line for line in ref_rec))
            continue
        failed.append(t.name)
        print("DIFF  %-40s %.2fs  %s" % (t.name, took, t.desc))
        diff = difflib.unified_diff(
            ref_rec, our_rec, fromfile="ref:" + t.name, tofile="natsd:" + t.name, lineterm="", n=4
        )
        print("\n".join("      " + line for line in diff))
        if args.verbose:
            print("      --- natsd log tail ---")
            print("\n".join("      " + line for line in our_log.splitlines()))
    print(
        "%d transcripts, %d differ, %.1fs%s"
        % (len(transcripts), len(failed), time.monotonic() - start,
           (": " + " ".join(failed)) if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:  # `| head`: servers were stopped while unwinding
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
