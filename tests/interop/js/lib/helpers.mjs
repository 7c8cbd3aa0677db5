// Shared helpers for the nats.js interop tests.
//
// Every test file runs under tests/interop/run_with_server.sh, which provides:
//   NATS_URL         nats://127.0.0.1:PORT of the server under test (natsd or nats-server)
//   NATS_SERVER_CTL  a command taking stop|start|restart (start reuses the same port)
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import { connect } from "@nats-io/transport-node";

export const kConnectTimeoutMs = 5000; // connect + CONNECT/PING/PONG handshake
export const kMsgTimeoutMs = 5000; // wait for expected messages
export const kDefaultMaxPayload = 1024 * 1024; // bytes; nats-server's default max_payload

export function serverUrl() {
  const url = process.env.NATS_URL;
  assert.ok(url, "NATS_URL is not set: run under tests/interop/run_with_server.sh");
  return url;
}

function hostPort() {
  const u = new URL(serverUrl());
  return { host: u.hostname, port: Number(u.port || 4222) };
}

// Connects with bounded timeouts; no reconnect unless the options ask for it.
export function connectTo(name, opts = {}) {
  return connect({
    servers: serverUrl(),
    name,
    timeout: kConnectTimeoutMs,
    reconnect: false,
    ...opts,
  });
}

// Closes every connection given, ignoring ones already closed.
export async function closeAll(...conns) {
  await Promise.all(conns.flat().filter(Boolean).map((nc) => nc.close().catch(() => {})));
}

// Rejects after `ms` with a message naming `what`.
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Runs `NATS_SERVER_CTL <action>`; resolves once it exits 0.
export function serverCtl(action) {
  const ctl = process.env.NATS_SERVER_CTL;
  assert.ok(ctl, "NATS_SERVER_CTL is not set: run under tests/interop/run_with_server.sh");
  return new Promise((resolve, reject) => {
    execFile(ctl, [action], { timeout: 30000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`NATS_SERVER_CTL ${action} failed: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
}

// Collects the messages of a subscription (callback style) so a test can wait for a count.
export class Collector {
  constructor(nc, subject, opts = {}) {
    this.msgs = [];
    this.errors = [];
    this.waiters = [];
    this.sub = nc.subscribe(subject, {
      ...opts,
      callback: (err, msg) => {
        if (err) this.errors.push(err);
        else this.msgs.push(msg);
        this.waiters = this.waiters.filter((w) => !w());
      },
    });
  }

  get count() {
    return this.msgs.length;
  }

  // Resolves once at least `n` messages arrived; rejects after `ms`.
  waitFor(n, ms = kMsgTimeoutMs) {
    if (this.msgs.length >= n) return Promise.resolve(this.msgs);
    return withTimeout(
      new Promise((resolve) => {
        this.waiters.push(() => {
          if (this.msgs.length < n) return false;
          resolve(this.msgs);
          return true;
        });
      }),
      ms,
      `${n} messages on ${this.sub.getSubject()} (got ${this.msgs.length})`,
    );
  }
}

// Records status events of a connection (disconnect, reconnect, ...) so a test can wait for one.
export class StatusWatcher {
  constructor(nc) {
    this.events = [];
    this.waiters = [];
    (async () => {
      for await (const s of nc.status()) {
        this.events.push(s.type);
        this.waiters = this.waiters.filter((w) => !w());
      }
    })().catch(() => {});
  }

  count(type) {
    return this.events.filter((t) => t === type).length;
  }

  waitFor(type, ms) {
    return withTimeout(
      new Promise((resolve) => {
        const check = () => {
          if (this.count(type) === 0) return false;
          resolve();
          return true;
        };
        if (!check()) this.waiters.push(check);
      }),
      ms,
      `status event "${type}" (seen: ${this.events.join(",") || "none"})`,
    );
  }
}

// A plain TCP connection speaking the client protocol by hand, for what official clients cannot
// do on purpose (stop reading, send an oversized PUB).
export class RawConn {
  static async open() {
    const { host, port } = hostPort();
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    await withTimeout(
      new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("error", reject);
      }),
      kConnectTimeoutMs,
      `raw connect to ${host}:${port}`,
    );
    return new RawConn(socket);
  }

  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.keepData = true;
    this.bytes = 0;
    this.closedHow = null; // "eof" | "reset" | "error:<code>"
    this.waiters = [];
    socket.on("data", (chunk) => {
      this.bytes += chunk.length;
      if (this.keepData) this.buf = Buffer.concat([this.buf, chunk]);
      this.wake();
    });
    socket.on("end", () => {
      this.closedHow ??= "eof";
      this.wake();
    });
    socket.on("error", (err) => {
      this.closedHow ??= err.code === "ECONNRESET" ? "reset" : `error:${err.code}`;
      this.wake();
    });
    socket.on("close", () => {
      this.closedHow ??= "eof";
      this.wake();
    });
  }

  wake() {
    this.waiters = this.waiters.filter((w) => !w());
  }

  until(cond, ms, what) {
    return withTimeout(
      new Promise((resolve) => {
        const check = () => {
          const v = cond();
          if (v === undefined) return false;
          resolve(v);
          return true;
        };
        if (!check()) this.waiters.push(check);
      }),
      ms,
      what,
    );
  }

  send(text) {
    this.socket.write(text);
  }

  // Next CRLF-terminated line (without CRLF); null when the connection closed first.
  readLine(ms = kMsgTimeoutMs) {
    return this.until(
      () => {
        const eol = this.buf.indexOf("\r\n");
        if (eol >= 0) {
          const line = this.buf.subarray(0, eol).toString("latin1");
          this.buf = this.buf.subarray(eol + 2);
          return line;
        }
        return this.closedHow ? null : undefined;
      },
      ms,
      "a protocol line from the server",
    );
  }

  async readUntilLine(want, ms = kMsgTimeoutMs) {
    const deadline = Date.now() + ms;
    for (;;) {
      const line = await this.readLine(Math.max(1, deadline - Date.now()));
      if (line === null) throw new Error(`connection closed while waiting for ${want}`);
      if (line === want) return;
    }
  }

  // Stops reading from the socket: the kernel buffers fill and the server must queue.
  pause() {
    this.socket.pause();
  }

  // Resumes reading, discards data, and resolves how the server ended the connection
  // ("eof" | "reset" | ...) or "timeout" if it stayed open for `ms`.
  async drainUntilClosed(ms) {
    this.keepData = false;
    this.buf = Buffer.alloc(0);
    this.socket.resume();
    try {
      return await this.until(() => this.closedHow ?? undefined, ms, "server closing the socket");
    } catch {
      return "timeout";
    }
  }

  destroy() {
    this.socket.destroy();
  }
}

// Deterministic pseudo-random bytes.
export function randomBytes(n, seed) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
