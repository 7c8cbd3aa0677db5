// Accounts as nats.js observes them, against tests/interop/accounts/accounts.conf: isolation,
// a prefixed stream import, service imports (singleton and stream responses) and a weighted
// mapping checked statistically.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, connectTo, kMsgTimeoutMs, withTimeout } from "../lib/helpers.mjs";

const as = (user, pass) => connectTo(`accounts-${user}`, { user, pass });

// Resolves with the payloads of the first `n` messages of `sub`.
async function take(sub, n) {
  const out = [];
  for await (const m of sub) {
    out.push({ subject: m.subject, data: m.string() });
    if (out.length === n) break;
  }
  return out;
}

test("the same subject in two accounts never crosses", { timeout: 30000 }, async () => {
  const orders = await as("orders", "opass");
  const other = await as("other", "xpass");
  try {
    const sub = other.subscribe("iso", { max: 1 });
    const ordersSub = orders.subscribe("iso", { max: 1 });
    await Promise.all([other.flush(), orders.flush()]);
    orders.publish("iso", "from-orders");
    other.publish("iso", "from-other");
    const got = await withTimeout(take(sub, 1), kMsgTimeoutMs, "other's own message");
    assert.equal(got[0].data, "from-other");
    const mine = await withTimeout(take(ordersSub, 1), kMsgTimeoutMs, "orders' own message");
    assert.equal(mine[0].data, "from-orders");
  } finally {
    await closeAll(orders, other);
  }
});

test("a stream import arrives under its prefix", { timeout: 30000 }, async () => {
  const orders = await as("orders", "opass");
  const shop = await as("shop", "spass");
  try {
    const sub = shop.subscribe("orders.events.>", { max: 1 });
    await shop.flush();
    orders.publish("events.paid", "order-7");
    const got = await withTimeout(take(sub, 1), kMsgTimeoutMs, "imported event");
    assert.deepEqual(got, [{ subject: "orders.events.paid", data: "order-7" }]);
  } finally {
    await closeAll(orders, shop);
  }
});

test("service imports answer requests across accounts", { timeout: 30000 }, async () => {
  const orders = await as("orders", "opass");
  const shop = await as("shop", "spass");
  try {
    orders.subscribe("svc.echo", { callback: (err, m) => !err && m.respond(`re:${m.string()}`) });
    orders.subscribe("svc.feed", {
      callback: (err, m) => {
        if (err) return;
        for (const part of ["a", "b", "c"]) m.respond(part);
      },
    });
    await orders.flush();
    for (let i = 0; i < 20; i++) {
      const r = await shop.request("echo", `q${i}`, { timeout: kMsgTimeoutMs });
      assert.equal(r.string(), `re:q${i}`);
    }
    // A stream response: every part reaches the requester's inbox.
    const inbox = shop.subscribe("feed.inbox", { max: 3 });
    shop.publish("svc.feed", "go", { reply: "feed.inbox" });
    const parts = await withTimeout(take(inbox, 3), kMsgTimeoutMs, "three stream responses");
    assert.deepEqual(parts.map((p) => p.data), ["a", "b", "c"]);
  } finally {
    await closeAll(orders, shop);
  }
});

test("a weighted mapping splits traffic 70/30", { timeout: 30000 }, async () => {
  const shop = await as("shop", "spass");
  try {
    const n = 4000;
    const sub = shop.subscribe("split.*", { max: n });
    await shop.flush();
    for (let i = 0; i < n; i++) shop.publish("split", "x");
    const got = await withTimeout(take(sub, n), kMsgTimeoutMs * 2, "mapped messages");
    const a = got.filter((m) => m.subject === "split.a").length;
    const b = got.filter((m) => m.subject === "split.b").length;
    assert.equal(a + b, n);
    // Binomial standard deviation is about 29 messages; allow 5 of them.
    assert.ok(Math.abs(a - 0.7 * n) < 145, `split.a got ${a} of ${n}`);
  } finally {
    await closeAll(shop);
  }
});
