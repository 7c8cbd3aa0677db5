// No responders as nats.js observes it: a request nobody listens to fails at once with a
// RequestError whose cause is NoRespondersError, not after the timeout.
import assert from "node:assert/strict";
import { test } from "node:test";
import { errors } from "@nats-io/transport-node";
import { closeAll, connectTo } from "../lib/helpers.mjs";

const kRequestTimeoutMs = 5000;

function isNoResponders(err) {
  assert.ok(err instanceof errors.RequestError, `expected RequestError, got ${err?.name}: ${err?.message}`);
  assert.ok(err.isNoResponders(), `expected no responders, got cause ${err.cause?.name}: ${err.message}`);
  return true;
}

test("request without subscribers fails fast with no responders", { timeout: 30000 }, async () => {
  const nc = await connectTo("no-responders");
  try {
    for (const noMux of [false, true]) {
      for (let i = 0; i < 3; i++) {
        const start = Date.now();
        await assert.rejects(
          nc.request("nobody.listens", "hello", { timeout: kRequestTimeoutMs, noMux }),
          isNoResponders,
        );
        const took = Date.now() - start;
        assert.ok(took < 1000, `no responders took ${took} ms (noMux=${noMux})`);
      }
    }
    await nc.flush(); // the connection is unharmed
    assert.equal(nc.isClosed(), false);
  } finally {
    await closeAll(nc);
  }
});
