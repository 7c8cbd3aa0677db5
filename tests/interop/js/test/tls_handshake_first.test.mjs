// TLS before INFO (nats.js `tls: {handshakeFirst: true}`) against a server started with
// handshake_first.conf. natsd only: handshake_first arrived in nats-server 2.10.3, and the
// 2.9.10 reference refuses the config ("unknown field").
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, Collector } from "../lib/helpers.mjs";
import { connectTls, expectConnectFails, isEncrypted, tlsOpts } from "../lib/tls.mjs";

test("handshakeFirst clients connect and pub/sub works", { timeout: 30000 }, async () => {
  const pub = await connectTls("hf-pub", { handshakeFirst: true });
  const subc = await connectTls("hf-sub", { handshakeFirst: true });
  try {
    assert.equal(pub.info.tls_required, true);
    assert.ok(isEncrypted(pub) && isEncrypted(subc));
    const sub = new Collector(subc, "hf.data");
    await subc.flush();
    for (let i = 0; i < 100; i++) pub.publish("hf.data", `m${i}`);
    await pub.flush();
    const got = await sub.waitFor(100);
    for (let i = 0; i < 100; i++) assert.equal(got[i].string(), `m${i}`);
    subc.subscribe("hf.echo", { callback: (e, m) => { if (!e) m.respond(`re:${m.string()}`); } });
    await subc.flush();
    assert.equal((await pub.request("hf.echo", "q", { timeout: 5000 })).string(), "re:q");
  } finally {
    await closeAll(pub, subc);
  }
});

test("a client that waits for INFO first gets nothing and fails", { timeout: 30000 }, async () => {
  // handshake_first: true has no fallback: the server waits for a ClientHello and never sends a
  // plain INFO, so the client's connect times out (before the server's 5 s tls timeout).
  const err = await expectConnectFails("hf-info-first", { tls: tlsOpts(), timeout: 2000 });
  assert.equal(err.name, "TimeoutError", `unexpected error: ${err.message}`);
});
