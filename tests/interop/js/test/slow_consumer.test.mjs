// Slow consumer: a raw subscriber that stops reading while nats.js floods ~100 MB (more than the
// 64 MB max_pending) is cut off by the server; the publisher carries on unaffected.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, Collector, connectTo, RawConn } from "../lib/helpers.mjs";

const kChunk = 64 * 1024; // bytes per message
const kMessages = 1600; // 100 MiB

test("server disconnects a subscriber that never reads; publisher unaffected", { timeout: 90000 }, async () => {
  const slow = await RawConn.open();
  const pub = await connectTo("slow-consumer-pub");
  try {
    const info = await slow.readLine();
    assert.match(info, /^INFO /);
    slow.send('CONNECT {"verbose":false,"pedantic":false}\r\nSUB flood 1\r\nPING\r\n');
    await slow.readUntilLine("PONG");
    slow.pause();

    const chunk = new Uint8Array(kChunk).fill(0x7a);
    for (let i = 0; i < kMessages; i++) {
      pub.publish("flood", chunk);
      if (i % 64 === 63) await pub.flush(); // keep the client's own buffer bounded
    }
    await pub.flush();

    const how = await slow.drainUntilClosed(30000);
    assert.ok(how === "eof" || how === "reset",
      `slow consumer connection: ${how} after ${slow.bytes} bytes`);
    assert.ok(slow.bytes < kChunk * kMessages, "the slow consumer received everything");

    assert.equal(pub.isClosed(), false);
    const self = new Collector(pub, "after.flood");
    await pub.flush();
    pub.publish("after.flood", "still here");
    assert.equal((await self.waitFor(1))[0].string(), "still here");
  } finally {
    slow.destroy();
    await closeAll(pub);
  }
});
