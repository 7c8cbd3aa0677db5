// Max payload as nats.js observes it: the client learns max_payload from INFO and refuses a
// larger publish; exactly max_payload goes through intact.
import assert from "node:assert/strict";
import { test } from "node:test";
import { headers, InvalidArgumentError } from "@nats-io/transport-node";
import { closeAll, Collector, connectTo, kDefaultMaxPayload, randomBytes } from "../lib/helpers.mjs";

function isMaxPayload(err) {
  assert.ok(err instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${err?.name}`);
  assert.match(err.message, /max_payload size exceeded/);
  return true;
}

test("publish of max_payload + 1 is rejected, max_payload is delivered", { timeout: 30000 }, async () => {
  const pub = await connectTo("maxpayload-pub");
  const subc = await connectTo("maxpayload-sub");
  try {
    assert.equal(pub.info.max_payload, kDefaultMaxPayload);
    const sub = new Collector(subc, "big");
    await subc.flush();

    assert.throws(() => pub.publish("big", new Uint8Array(kDefaultMaxPayload + 1)), isMaxPayload);
    // Headers count toward the limit.
    const h = headers();
    h.set("Padding", "0123456789");
    assert.throws(
      () => pub.publish("big", new Uint8Array(kDefaultMaxPayload - 8), { headers: h }),
      isMaxPayload,
    );

    const exact = randomBytes(kDefaultMaxPayload, 7);
    pub.publish("big", exact);
    await pub.flush();
    const [msg] = await sub.waitFor(1, 10000);
    assert.equal(msg.data.length, kDefaultMaxPayload);
    assert.ok(Buffer.from(msg.data).equals(Buffer.from(exact)), "1 MB payload corrupted");
    assert.equal(pub.isClosed(), false);
    assert.equal(sub.count, 1);
  } finally {
    await closeAll(pub, subc);
  }
});
