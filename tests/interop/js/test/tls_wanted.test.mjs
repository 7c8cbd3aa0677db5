// A nats.js client that asks for TLS, against a server without TLS (no config): refused by the
// client, which finds neither tls_required nor tls_available in INFO.
import assert from "node:assert/strict";
import { test } from "node:test";
import { expectConnectFails, tlsOpts } from "../lib/tls.mjs";

test("a client that wants TLS is refused by a server without it", { timeout: 30000 }, async () => {
  const err = await expectConnectFails("tls-wanted", { tls: tlsOpts() });
  assert.match(err.message, /tls/i, `unexpected error: ${err.message}`);
});
