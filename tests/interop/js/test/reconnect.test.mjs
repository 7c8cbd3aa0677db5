// Reconnect as nats.js observes it: the server stops and starts again on the same port (through
// NATS_SERVER_CTL); clients reconnect by themselves, resubscribe and pub/sub resumes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, Collector, connectTo, serverCtl, StatusWatcher } from "../lib/helpers.mjs";

const kReconnectOpts = {
  reconnect: true,
  maxReconnectAttempts: -1,
  reconnectTimeWait: 100,
  reconnectJitter: 0,
};

test("clients reconnect after a server restart and pub/sub resumes", { timeout: 60000 }, async () => {
  const pub = await connectTo("reconnect-pub", kReconnectOpts);
  const subc = await connectTo("reconnect-sub", kReconnectOpts);
  try {
    const pubStatus = new StatusWatcher(pub);
    const subStatus = new StatusWatcher(subc);
    const sub = new Collector(subc, "rc.data");
    await subc.flush();
    pub.publish("rc.data", "before");
    assert.equal((await sub.waitFor(1))[0].string(), "before");

    await serverCtl("stop");
    await pubStatus.waitFor("disconnect", 10000);
    await subStatus.waitFor("disconnect", 10000);

    // Publishing while disconnected does not throw. (nats.js v3 discards its outbound buffer on
    // every dial attempt, so unlike nats.c it does not deliver such messages: not asserted.)
    subc.publish("rc.self", "lost-or-buffered");

    await serverCtl("start");
    await pubStatus.waitFor("reconnect", 15000);
    await subStatus.waitFor("reconnect", 15000);
    assert.equal(pub.isClosed(), false);
    assert.equal(subc.isClosed(), false);

    await subc.flush();
    for (let i = 0; i < 100; i++) pub.publish("rc.data", `after-${i}`);
    await pub.flush();
    const got = await sub.waitFor(101);
    for (let i = 0; i < 100; i++) assert.equal(got[i + 1].string(), `after-${i}`);

    const ping = new Collector(pub, "rc.ping");
    await pub.flush();
    subc.publish("rc.ping", "pong");
    assert.equal((await ping.waitFor(1))[0].string(), "pong");
    assert.equal(pubStatus.count("reconnect"), 1);
    assert.equal(subStatus.count("reconnect"), 1);
  } finally {
    await closeAll(pub, subc);
  }
});
