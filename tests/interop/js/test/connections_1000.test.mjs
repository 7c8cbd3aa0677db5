// 1,000 concurrent nats.js connections: all connect, and each receives a broadcast message and
// one addressed to it alone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, Collector, connectTo } from "../lib/helpers.mjs";

const kConns = 1000;
const kBatch = 50; // connections opened concurrently

test("1000 concurrent connections each receive their messages", { timeout: 150000 }, async () => {
  const conns = [];
  const fanout = [];
  const own = [];
  let pub;
  try {
    for (let base = 0; base < kConns; base += kBatch) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(kBatch, kConns - base) }, (_, k) => connectTo(`conn-${base + k}`)),
      );
      batch.forEach((nc, k) => {
        conns.push(nc);
        fanout.push(new Collector(nc, "fanout"));
        own.push(new Collector(nc, `conn.${base + k}`));
      });
      await Promise.all(batch.map((nc) => nc.flush()));
    }
    assert.equal(conns.length, kConns);
    assert.ok(conns.every((nc) => !nc.isClosed()));

    pub = await connectTo("conn-publisher");
    pub.publish("fanout", "to everyone");
    for (let i = 0; i < kConns; i++) pub.publish(`conn.${i}`, `conn.${i}`);
    await pub.flush();
    for (let i = 0; i < kConns; i++) {
      const [m] = await fanout[i].waitFor(1, 10000);
      assert.equal(m.string(), "to everyone");
      const [o] = await own[i].waitFor(1, 10000);
      assert.equal(o.string(), `conn.${i}`);
    }
  } finally {
    await closeAll(pub, conns);
  }
});
