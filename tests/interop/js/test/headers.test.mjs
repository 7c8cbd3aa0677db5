// Message headers as nats.js observes them: single and multi-value headers, headers with an empty
// payload, and headers echoed through request/reply.
import assert from "node:assert/strict";
import { test } from "node:test";
import { headers } from "@nats-io/transport-node";
import { closeAll, Collector, connectTo, kMsgTimeoutMs } from "../lib/helpers.mjs";

test("headers round trip with multiple values", { timeout: 30000 }, async () => {
  const pub = await connectTo("hdr-pub");
  const subc = await connectTo("hdr-sub");
  try {
    assert.equal(pub.info.headers, true, "server must advertise headers:true in INFO");
    const sub = new Collector(subc, "hdr.test");
    await subc.flush();

    const h = headers();
    h.set("X-Single", "one");
    h.append("X-Multi", "first");
    h.append("X-Multi", "second");
    h.append("X-Multi", "third value");
    h.set("lower-case-key", "keeps:colons and spaces");
    pub.publish("hdr.test", "payload with headers", { headers: h, reply: "hdr.reply" });
    const only = headers();
    only.set("Only", "headers");
    pub.publish("hdr.test", new Uint8Array(0), { headers: only });
    await pub.flush();

    const [m1, m2] = await sub.waitFor(2);
    assert.equal(m1.string(), "payload with headers");
    assert.equal(m1.reply, "hdr.reply");
    assert.ok(m1.headers, "headers missing");
    assert.equal(m1.headers.get("X-Single"), "one");
    assert.deepEqual(m1.headers.values("X-Multi"), ["first", "second", "third value"]);
    assert.equal(m1.headers.get("lower-case-key"), "keeps:colons and spaces");
    assert.equal(m1.headers.hasError, false);
    assert.equal(m2.data.length, 0);
    assert.equal(m2.headers?.get("Only"), "headers");

    // Echoed back by a responder on another connection.
    subc.subscribe("hdr.echo", {
      callback: (err, msg) => {
        if (err) return;
        const rh = headers();
        for (const [k, vs] of msg.headers) for (const v of vs) rh.append(k, v);
        msg.respond(`re:${msg.string()}`, { headers: rh });
      },
    });
    await subc.flush();
    const req = headers();
    req.append("Trace", "a");
    req.append("Trace", "b");
    const reply = await pub.request("hdr.echo", "ping", { headers: req, timeout: kMsgTimeoutMs });
    assert.equal(reply.string(), "re:ping");
    assert.deepEqual(reply.headers?.values("Trace"), ["a", "b"]);
  } finally {
    await closeAll(pub, subc);
  }
});
