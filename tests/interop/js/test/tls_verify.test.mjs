// Client certificates as nats.js observes them, against a server started with tls_verify.conf
// (verify: true): a certificate from the test CA gets in; none, or one from a foreign CA, does not.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, Collector } from "../lib/helpers.mjs";
import { connectTls, expectTlsRefusal, isEncrypted, tlsOpts } from "../lib/tls.mjs";

test("certificates from the CA are accepted", { timeout: 30000 }, async () => {
  for (const who of ["alice", "bob"]) {
    const nc = await connectTls(`verify-${who}`, { identity: who });
    try {
      assert.equal(nc.info.tls_verify, true);
      assert.ok(isEncrypted(nc));
      const sub = new Collector(nc, "verify.self");
      await nc.flush();
      nc.publish("verify.self", who);
      assert.equal((await sub.waitFor(1))[0].string(), who);
    } finally {
      await closeAll(nc);
    }
  }
});

test("a client without a certificate is refused", { timeout: 30000 }, async () => {
  await expectTlsRefusal("verify-anonymous", { tls: tlsOpts() });
});

test("a certificate from a foreign CA is refused", { timeout: 30000 }, async () => {
  await expectTlsRefusal("verify-mallory", { tls: tlsOpts({ identity: "mallory" }) });
});
