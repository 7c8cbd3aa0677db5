// Queue groups as nats.js observes them: each message goes to exactly one member, members share
// the load fairly, and a plain subscriber on the same subject still sees everything.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, Collector, connectTo, withTimeout } from "../lib/helpers.mjs";

const kMembers = 3;
const kMessages = 3000;
const kMinShare = kMessages / kMembers / 2; // at least half of an even split

test("queue group spreads 3000 messages over 3 members exactly once", { timeout: 60000 }, async () => {
  const pub = await connectTo("queue-pub");
  const conns = [];
  try {
    const members = [];
    for (let i = 0; i < kMembers; i++) {
      const nc = await connectTo(`queue-member-${i}`);
      conns.push(nc);
      members.push(new Collector(nc, "queue.work", { queue: "workers" }));
      await nc.flush();
    }
    const watcherConn = await connectTo("queue-watcher");
    conns.push(watcherConn);
    const watcher = new Collector(watcherConn, "queue.work");
    await watcherConn.flush();

    for (let i = 0; i < kMessages; i++) pub.publish("queue.work", String(i));
    await pub.flush();

    const total = () => members.reduce((n, m) => n + m.count, 0);
    await withTimeout(
      (async () => {
        while (total() < kMessages) await new Promise((r) => setTimeout(r, 5));
      })(),
      20000,
      `queue group receiving ${kMessages} (got ${total()})`,
    );
    // No duplicates: after each member's PING/PONG, nothing more has arrived.
    for (let i = 0; i < kMembers; i++) await conns[i].flush();
    assert.equal(total(), kMessages);

    const seen = new Array(kMessages).fill(0);
    for (const m of members) for (const msg of m.msgs) seen[Number(msg.string())]++;
    seen.forEach((n, i) => assert.equal(n, 1, `message ${i} delivered to the group ${n} times`));
    members.forEach((m, i) =>
      assert.ok(m.count >= kMinShare, `member ${i} got ${m.count} of ${kMessages}`));

    const all = await watcher.waitFor(kMessages, 20000);
    all.forEach((msg, i) => assert.equal(msg.string(), String(i)));
  } finally {
    await closeAll(pub, conns);
  }
});
