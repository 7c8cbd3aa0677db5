// verify_and_map as nats.js observes it, against a server started with tls_map.conf: the
// certificate names the user, by its e-mail SAN (alice) or by its subject DN (bob), and each
// gets that user's permissions; violations reach the client as PermissionViolationError.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, Collector, withTimeout } from "../lib/helpers.mjs";
import { connectTls, ErrorWatcher, expectTlsRefusal, tlsOpts } from "../lib/tls.mjs";

test("the e-mail identity gets its permissions", { timeout: 30000 }, async () => {
  const alice = await connectTls("map-alice", { identity: "alice" });
  // The user in CONNECT does not matter: the certificate names the user.
  const alice2 = await connectTls("map-alice-as-bob", { identity: "alice" },
    { user: "CN=bob,OU=ops,O=Acme,C=US", pass: "" });
  try {
    const errors = new ErrorWatcher(alice);
    const own = new Collector(alice, "alice.inbox");
    const watch = new Collector(alice, "bob.>"); // alice may subscribe to anything
    await alice.flush();

    alice.publish("bob.forged", "from alice");
    await alice.flush();
    const err = await errors.waitFor('Permissions Violation for Publish to "bob.forged"');
    assert.equal(err.name, "PermissionViolationError");
    assert.equal(err.operation, "publish");
    assert.equal(err.subject, "bob.forged");
    assert.equal(alice.isClosed(), false);

    alice.publish("alice.inbox", "mine");
    alice2.publish("alice.inbox", "still alice");
    await alice2.flush();
    const got = await own.waitFor(2);
    assert.deepEqual(got.map((m) => m.string()).sort(), ["mine", "still alice"]);
    await alice.flush();
    assert.equal(watch.count, 0, "the forged publish was delivered");
  } finally {
    await closeAll(alice, alice2);
  }
});

test("the DN identity gets its permissions", { timeout: 30000 }, async () => {
  const bob = await connectTls("map-bob", { identity: "bob" });
  const alice = await connectTls("map-alice-watcher", { identity: "alice" });
  try {
    const errors = new ErrorWatcher(bob);
    const watch = new Collector(alice, "bob.news");
    const own = new Collector(bob, "bob.news");
    await alice.flush();
    await bob.flush();

    bob.publish("bob.news", "hi");
    assert.equal((await watch.waitFor(1))[0].string(), "hi");
    assert.equal((await own.waitFor(1))[0].string(), "hi");

    bob.publish("alice.inbox", "forged");
    await bob.flush();
    const pubErr = await errors.waitFor('Permissions Violation for Publish to "alice.inbox"');
    assert.equal(pubErr.operation, "publish");

    // A denied subscription is closed with the violation.
    const denied = bob.subscribe("alice.inbox");
    await bob.flush();
    const subErr = await errors.waitFor('Permissions Violation for Subscription to "alice.inbox"');
    assert.equal(subErr.operation, "subscription");
    const closedWith = await withTimeout(denied.closed, 5000, "denied subscription closing");
    assert.equal(closedWith?.name, "PermissionViolationError");
    assert.equal(bob.isClosed(), false);

    // Requests work for bob through _INBOX.>, which he may subscribe to; alice answers.
    alice.subscribe("bob.svc", { callback: (e, m) => { if (!e) m.respond(`re:${m.string()}`); } });
    await alice.flush();
    const r = await bob.request("bob.svc", "q", { timeout: 5000 });
    assert.equal(r.string(), "re:q");
  } finally {
    await closeAll(bob, alice);
  }
});

test("a foreign CA's certificate and no certificate are refused", { timeout: 30000 }, async () => {
  // mallory's certificate carries alice's e-mail, but no trusted CA signed it.
  await expectTlsRefusal("map-mallory", { tls: tlsOpts({ identity: "mallory" }) });
  await expectTlsRefusal("map-anonymous", { tls: tlsOpts() });
});
