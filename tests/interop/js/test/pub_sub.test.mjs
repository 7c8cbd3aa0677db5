// Pub/sub as nats.js observes it: payloads intact and ordered, reply subjects, echo, and
// nothing delivered after unsubscribe or for other subjects.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, Collector, connectTo } from "../lib/helpers.mjs";

test("pub/sub delivers payloads intact, in order, with reply subjects", { timeout: 30000 }, async () => {
  const pub = await connectTo("pubsub-pub");
  const subc = await connectTo("pubsub-sub");
  try {
    const sub = new Collector(subc, "interop.pubsub");
    const marker = new Collector(subc, "interop.marker");
    await subc.flush();

    const payloads = [
      new TextEncoder().encode("hello"),
      new Uint8Array(0),
      new TextEncoder().encode("world with spaces"),
      Uint8Array.from([0x62, 0x00, 0x0d, 0x0a, 0xff, 0x80]),
      new TextEncoder().encode("MSG fake 1 2\r\n"),
    ];
    for (const p of payloads) pub.publish("interop.pubsub", p);
    pub.publish("interop.pubsub", "with-reply", { reply: "my.reply" });
    await pub.flush();

    const got = await sub.waitFor(payloads.length + 1);
    payloads.forEach((p, i) => {
      assert.equal(got[i].subject, "interop.pubsub");
      assert.equal(got[i].reply, "");
      assert.ok(Buffer.from(got[i].data).equals(Buffer.from(p)), `payload ${i} differs`);
    });
    assert.equal(got[payloads.length].reply, "my.reply");
    assert.equal(got[payloads.length].string(), "with-reply");

    // A publisher receives its own messages (echo is on by default).
    const self = new Collector(pub, "interop.echo");
    await pub.flush();
    pub.publish("interop.echo", "me");
    assert.equal((await self.waitFor(1))[0].string(), "me");

    // After unsubscribe, and for unrelated subjects, nothing arrives: the marker published last
    // is the only new message the subscriber's connection sees.
    sub.sub.unsubscribe();
    await subc.flush();
    const before = subc.stats().inMsgs;
    pub.publish("interop.pubsub", "after-unsub");
    pub.publish("interop.other", "other");
    pub.publish("interop.marker", "marker");
    await marker.waitFor(1);
    assert.equal(subc.stats().inMsgs - before, 1, "server delivered unsubscribed/unrelated messages");
    assert.equal(sub.count, payloads.length + 1);
  } finally {
    await closeAll(pub, subc);
  }
});
