// 100,000 messages from one publisher arrive at a subscriber complete and in order.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, Collector, connectTo } from "../lib/helpers.mjs";

const kMessages = 100000;

test("100,000 messages arrive in order, once", { timeout: 90000 }, async () => {
  const pub = await connectTo("order-pub");
  const subc = await connectTo("order-sub");
  try {
    const sub = new Collector(subc, "order.stream");
    await subc.flush();
    for (let i = 0; i < kMessages; i++) {
      pub.publish("order.stream", String(i));
      if (i % 10000 === 9999) await pub.flush();
    }
    await pub.flush();
    const got = await sub.waitFor(kMessages, 60000);
    for (let i = 0; i < kMessages; i++) {
      if (got[i].string() !== String(i)) {
        assert.fail(`out of order at ${i}: got ${got[i].string()}`);
      }
    }
    await subc.flush();
    assert.equal(sub.count, kMessages, "duplicates delivered");
    assert.equal(subc.stats().inMsgs, kMessages);
  } finally {
    await closeAll(pub, subc);
  }
});
