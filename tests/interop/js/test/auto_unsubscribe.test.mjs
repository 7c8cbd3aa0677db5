// Auto-unsubscribe as nats.js observes it: {max: 5} and sub.unsubscribe(5) each get exactly five
// messages, and the server itself stops delivering after five.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, Collector, connectTo } from "../lib/helpers.mjs";

const kMax = 5;
const kPublished = 20;

test("auto-unsubscribe after 5 delivers exactly 5", { timeout: 30000 }, async () => {
  const pub = await connectTo("autounsub-pub");
  const subc = await connectTo("autounsub-sub");
  try {
    const byOption = new Collector(subc, "auto.option", { max: kMax });
    const byCall = new Collector(subc, "auto.call");
    byCall.sub.unsubscribe(kMax);
    const marker = new Collector(subc, "auto.marker");
    await subc.flush();
    const before = subc.stats().inMsgs;

    for (let i = 0; i < kPublished; i++) {
      pub.publish("auto.option", String(i));
      pub.publish("auto.call", String(i));
    }
    pub.publish("auto.marker", "end");
    await marker.waitFor(1);

    for (const c of [byOption, byCall]) {
      assert.equal(c.count, kMax, `${c.sub.getSubject()} got ${c.count}`);
      assert.deepEqual(c.msgs.map((m) => m.string()), ["0", "1", "2", "3", "4"]);
      assert.equal(c.sub.isClosed(), true);
    }
    // The client would drop extras quietly but still count them: 5 + 5 + the marker.
    assert.equal(subc.stats().inMsgs - before, 2 * kMax + 1,
      "the server kept delivering after the UNSUB <sid> 5 limit");
  } finally {
    await closeAll(pub, subc);
  }
});
