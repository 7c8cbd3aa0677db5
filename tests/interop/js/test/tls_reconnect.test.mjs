// Reconnect over TLS as nats.js observes it, against a server started with tls.conf: the server
// restarts on the same port (NATS_SERVER_CTL); clients redo the TLS handshake, resubscribe, and
// the subscription made before the restart keeps receiving.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, Collector, serverCtl, StatusWatcher } from "../lib/helpers.mjs";
import { connectTls, isEncrypted } from "../lib/tls.mjs";

const kReconnectOpts = {
  reconnect: true,
  maxReconnectAttempts: -1,
  reconnectTimeWait: 100,
  reconnectJitter: 0,
};

test("a TLS client reconnects after a server restart and keeps its subscription",
  { timeout: 60000 }, async () => {
    const pub = await connectTls("tls-reconnect-pub", {}, kReconnectOpts);
    const subc = await connectTls("tls-reconnect-sub", {}, kReconnectOpts);
    try {
      const pubStatus = new StatusWatcher(pub);
      const subStatus = new StatusWatcher(subc);
      const sub = new Collector(subc, "tls.rc");
      await subc.flush();
      pub.publish("tls.rc", "before");
      assert.equal((await sub.waitFor(1))[0].string(), "before");

      await serverCtl("restart");
      await pubStatus.waitFor("reconnect", 20000);
      await subStatus.waitFor("reconnect", 20000);
      assert.equal(pubStatus.count("disconnect"), 1);
      assert.equal(subStatus.count("disconnect"), 1);
      assert.ok(isEncrypted(pub) && isEncrypted(subc), "reconnected without TLS");

      await subc.flush();
      for (let i = 0; i < 100; i++) pub.publish("tls.rc", `after-${i}`);
      await pub.flush();
      const got = await sub.waitFor(101);
      for (let i = 0; i < 100; i++) assert.equal(got[i + 1].string(), `after-${i}`);
      assert.equal(pubStatus.count("reconnect"), 1);
      assert.equal(subStatus.count("reconnect"), 1);
    } finally {
      await closeAll(pub, subc);
    }
  });
