// 1 MB (= max_payload) payloads survive pub/sub and request/reply byte for byte.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, Collector, connectTo, kDefaultMaxPayload, randomBytes } from "../lib/helpers.mjs";

const kMessages = 8;

test("1 MB payloads round trip intact", { timeout: 60000 }, async () => {
  const pub = await connectTo("mb-pub");
  const subc = await connectTo("mb-sub");
  try {
    const sub = new Collector(subc, "mb.data");
    await subc.flush();
    const sent = [];
    for (let i = 0; i < kMessages; i++) {
      sent.push(randomBytes(kDefaultMaxPayload, 100 + i));
      pub.publish("mb.data", sent[i]);
    }
    await pub.flush();
    const got = await sub.waitFor(kMessages, 30000);
    got.forEach((m, i) => {
      assert.equal(m.data.length, kDefaultMaxPayload);
      assert.ok(Buffer.from(m.data).equals(Buffer.from(sent[i])), `payload ${i} corrupted`);
    });

    subc.subscribe("mb.mirror", { callback: (err, msg) => { if (!err) msg.respond(msg.data); } });
    await subc.flush();
    for (let i = 0; i < 3; i++) {
      const r = await pub.request("mb.mirror", sent[i], { timeout: 10000 });
      assert.ok(Buffer.from(r.data).equals(Buffer.from(sent[i])), `mirrored payload ${i} corrupted`);
    }
  } finally {
    await closeAll(pub, subc);
  }
});
