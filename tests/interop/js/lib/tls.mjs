// TLS helpers for the nats.js interop tests. The certificates and server configs come from
// tests/interop/tls/make_certs.sh, run by the CTest fixture interop_tls_certs into the directory
// named by INTEROP_TLS_DIR (see that script for what each file is).
import assert from "node:assert/strict";
import path from "node:path";
import { connectTo, withTimeout } from "./helpers.mjs";

export function tlsDir() {
  const dir = process.env.INTEROP_TLS_DIR;
  assert.ok(dir, "INTEROP_TLS_DIR is not set: run through ctest (fixture interop_tls_certs)");
  return dir;
}

export function certPath(name) {
  return path.join(tlsDir(), `${name}.pem`);
}

// nats.js `tls` options: trust `ca`, and present <identity>.pem when an identity is given.
export function tlsOpts({ ca = "ca", identity = null, ...extra } = {}) {
  const tls = { caFile: certPath(ca), ...extra };
  if (identity) {
    tls.certFile = certPath(identity);
    tls.keyFile = certPath(`${identity}-key`);
  }
  return tls;
}

// Connects over TLS; `tls` as for tlsOpts(), other options passed to connectTo().
export function connectTls(name, tls = {}, opts = {}) {
  return connectTo(name, { tls: tlsOpts(tls), ...opts });
}

// True when the client's socket is a TLS socket. nats.js does not expose this publicly; the
// node transport answers isEncrypted().
export function isEncrypted(nc) {
  return nc.protocol?.transport?.isEncrypted?.() === true;
}

// Expects the connection attempt to fail; returns the error. Bounded even if the client hangs.
export async function expectConnectFails(name, opts, ms = 15000) {
  let nc;
  try {
    nc = await withTimeout(connectTo(name, opts), ms, `connect ${name}`);
  } catch (err) {
    assert.ok(!/timed out after/.test(err.message), `connect ${name} hung: ${err.message}`);
    return err;
  }
  await nc.close().catch(() => {});
  assert.fail(`${name} connected but should have been refused`);
}

// Collects the errors a connection reports through status() (permission violations).
export class ErrorWatcher {
  constructor(nc) {
    this.errors = [];
    this.waiters = [];
    (async () => {
      for await (const s of nc.status()) {
        if (s.type !== "error") continue;
        this.errors.push(s.error);
        this.waiters = this.waiters.filter((w) => !w());
      }
    })().catch(() => {});
  }

  // Resolves with the first error whose message contains `text`.
  waitFor(text, ms = 5000) {
    return withTimeout(
      new Promise((resolve) => {
        const check = () => {
          const e = this.errors.find((x) => String(x?.message).includes(text));
          if (!e) return false;
          resolve(e);
          return true;
        };
        if (!check()) this.waiters.push(check);
      }),
      ms,
      `an error containing ${text} (seen: ${this.errors.map((e) => e.message).join(" | ") || "none"})`,
    );
  }
}

// Expects a refusal in the TLS layer (the server closes during or right after the handshake),
// not an -ERR 'Authorization Violation' after CONNECT.
export async function expectTlsRefusal(name, opts) {
  const err = await expectConnectFails(name, opts);
  assert.notEqual(err.name, "AuthorizationError", `refused by CONNECT, not TLS: ${err.message}`);
  return err;
}
