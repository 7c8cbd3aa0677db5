// The server sends the chain its cert_file holds, not one completed from ca_file: a client that
// doesn't trust the CA fails on the leaf, exactly as with nats-server.
import assert from "node:assert/strict";
import { test } from "node:test";
import { expectConnectFails, tlsOpts } from "../lib/tls.mjs";

test("the server sends only its own certificate, not the CA", { timeout: 30000 }, async () => {
  const err = await expectConnectFails("tls-chain", { tls: tlsOpts({ ca: "other-ca" }) });
  assert.equal(err.code, "UNABLE_TO_VERIFY_LEAF_SIGNATURE", err.message);
});
