// Subject wildcards as nats.js observes them: `*` matches one token, `>` one or more.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, Collector, connectTo } from "../lib/helpers.mjs";

test("wildcard subscriptions receive exactly the matching subjects", { timeout: 30000 }, async () => {
  const pub = await connectTo("wc-pub");
  const subc = await connectTo("wc-sub");
  try {
    const expected = {
      "wc.*": ["wc.a"],
      "wc.>": ["wc.a", "wc.a.b", "wc.a.b.c", "wc.x.c"],
      "wc.*.c": ["wc.x.c"],
      "wc.a.>": ["wc.a.b", "wc.a.b.c"],
      "*.a": ["wc.a", "wcx.a"],
      ">": ["wc", "wc.a", "wc.a.b", "wc.a.b.c", "wc.x.c", "wcx.a", "other", "marker.wc"],
    };
    const subs = Object.fromEntries(Object.keys(expected).map((p) => [p, new Collector(subc, p)]));
    const marker = new Collector(subc, "marker.wc");
    await subc.flush();

    for (const s of ["wc", "wc.a", "wc.a.b", "wc.a.b.c", "wc.x.c", "wcx.a", "other"]) {
      pub.publish(s, s);
    }
    pub.publish("marker.wc", "marker.wc");
    await marker.waitFor(1);
    // One connection's messages are dispatched in wire order: once the marker is in, every
    // subscription holds exactly what the server delivered to it.
    for (const [pattern, subjects] of Object.entries(expected)) {
      const got = subs[pattern].msgs.map((m) => m.subject);
      assert.deepEqual(got, subjects, `subscription ${pattern}`);
      for (const m of subs[pattern].msgs) assert.equal(m.string(), m.subject);
    }
  } finally {
    await closeAll(pub, subc);
  }
});
