// Request/reply as nats.js observes it, with the shared mux inbox and with noMux (own inbox).
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, connectTo, kMsgTimeoutMs } from "../lib/helpers.mjs";

test("requests get their own replies (mux and noMux)", { timeout: 30000 }, async () => {
  const responder = await connectTo("rr-responder");
  const requester = await connectTo("rr-requester");
  try {
    let served = 0;
    responder.subscribe("rr.echo", {
      callback: (err, msg) => {
        if (err) return;
        served++;
        msg.respond(`re:${msg.string()}`);
      },
    });
    await responder.flush();

    // Many in flight at once over the shared inbox: each resolves with its own answer.
    const pending = [];
    for (let i = 0; i < 200; i++) {
      pending.push(requester.request("rr.echo", `q${i}`, { timeout: kMsgTimeoutMs }));
    }
    const replies = await Promise.all(pending);
    replies.forEach((r, i) => assert.equal(r.string(), `re:q${i}`));

    for (let i = 0; i < 50; i++) {
      const r = await requester.request("rr.echo", `old${i}`, {
        timeout: kMsgTimeoutMs,
        noMux: true,
      });
      assert.equal(r.string(), `re:old${i}`);
    }
    assert.equal(served, 250);
  } finally {
    await closeAll(responder, requester);
  }
});
