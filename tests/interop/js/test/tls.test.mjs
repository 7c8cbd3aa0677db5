// TLS as nats.js observes it, against a server started with tls.conf (TLS required, no client
// certificate): traffic over TLS, a plain-text client refused, a client that does not trust the
// server's CA refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  closeAll,
  Collector,
  kDefaultMaxPayload,
  randomBytes,
  RawConn,
} from "../lib/helpers.mjs";
import { connectTls, expectConnectFails, isEncrypted, tlsOpts } from "../lib/tls.mjs";

test("pub/sub and request/reply over TLS", { timeout: 30000 }, async () => {
  const pub = await connectTls("tls-pub");
  const subc = await connectTls("tls-sub");
  try {
    assert.equal(pub.info.tls_required, true);
    assert.ok(isEncrypted(pub) && isEncrypted(subc), "client socket is not a TLS socket");
    const sub = new Collector(subc, "tls.data");
    await subc.flush();
    const payloads = [
      new TextEncoder().encode("hello"),
      new Uint8Array(0),
      Uint8Array.from([0x62, 0x00, 0x0d, 0x0a, 0xff]),
      new TextEncoder().encode("MSG fake 1 2\r\n"),
    ];
    for (const p of payloads) pub.publish("tls.data", p);
    await pub.flush();
    const got = await sub.waitFor(payloads.length);
    payloads.forEach((p, i) => {
      assert.equal(got[i].subject, "tls.data");
      assert.ok(Buffer.from(got[i].data).equals(Buffer.from(p)), `payload ${i} differs`);
    });

    let served = 0;
    subc.subscribe("tls.echo", {
      callback: (err, msg) => {
        if (err) return;
        served++;
        msg.respond(`re:${msg.string()}`);
      },
    });
    await subc.flush();
    for (let i = 0; i < 100; i++) {
      const r = await pub.request("tls.echo", `q${i}`, { timeout: 5000 });
      assert.equal(r.string(), `re:q${i}`);
    }
    assert.equal(served, 100);
  } finally {
    await closeAll(pub, subc);
  }
});

test("1 MB payloads over TLS round trip intact", { timeout: 60000 }, async () => {
  const kMessages = 4;
  const pub = await connectTls("tls-mb-pub");
  const subc = await connectTls("tls-mb-sub");
  try {
    assert.equal(pub.info.max_payload, kDefaultMaxPayload);
    const sub = new Collector(subc, "tls.mb");
    await subc.flush();
    const sent = [];
    for (let i = 0; i < kMessages; i++) {
      sent.push(randomBytes(kDefaultMaxPayload, 200 + i));
      pub.publish("tls.mb", sent[i]);
    }
    await pub.flush();
    const got = await sub.waitFor(kMessages, 30000);
    got.forEach((m, i) => {
      assert.equal(m.data.length, kDefaultMaxPayload);
      assert.ok(Buffer.from(m.data).equals(Buffer.from(sent[i])), `payload ${i} corrupted`);
    });

    subc.subscribe("tls.mirror", { callback: (err, msg) => { if (!err) msg.respond(msg.data); } });
    await subc.flush();
    for (let i = 0; i < 2; i++) {
      const r = await pub.request("tls.mirror", sent[i], { timeout: 15000 });
      assert.ok(Buffer.from(r.data).equals(Buffer.from(sent[i])), `mirrored payload ${i} corrupted`);
    }
  } finally {
    await closeAll(pub, subc);
  }
});

test("10k messages over TLS arrive in order, once", { timeout: 60000 }, async () => {
  const kMessages = 10000;
  const pub = await connectTls("tls-order-pub");
  const subc = await connectTls("tls-order-sub");
  try {
    const sub = new Collector(subc, "tls.order");
    await subc.flush();
    for (let i = 0; i < kMessages; i++) pub.publish("tls.order", `${i}`);
    await pub.flush();
    const got = await sub.waitFor(kMessages, 30000);
    for (let i = 0; i < kMessages; i++) {
      assert.equal(got[i].string(), `${i}`, `out of order at message ${i}`);
    }
    await subc.flush();
    assert.equal(subc.stats().inMsgs, kMessages, "duplicates delivered");
  } finally {
    await closeAll(pub, subc);
  }
});

test("a plain-text client gets INFO with tls_required and no PONG", { timeout: 30000 }, async () => {
  // nats.js always upgrades when INFO says tls_required, so a raw socket plays the old client.
  const raw = await RawConn.open();
  try {
    const info = await raw.readLine();
    assert.ok(info?.startsWith("INFO "), `expected INFO, got ${info}`);
    assert.equal(JSON.parse(info.slice(5)).tls_required, true);
    raw.send('CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n');
    // The server expected a TLS ClientHello: it closes without a protocol answer.
    const lines = [];
    for (let line = await raw.readLine(15000); line !== null; line = await raw.readLine(15000)) {
      lines.push(line);
    }
    assert.ok(raw.closedHow, "server kept the plain-text connection open");
    assert.deepEqual(lines.filter((l) => /^(PONG|\+OK|MSG)/.test(l)), [], `server answered: ${lines}`);
  } finally {
    raw.destroy();
  }
});

test("a client that does not trust the server's CA is refused", { timeout: 30000 }, async () => {
  const foreign = await expectConnectFails("tls-foreign-ca", { tls: tlsOpts({ ca: "other-ca" }) });
  assert.match(`${foreign.message} ${foreign.cause?.message ?? ""} ${foreign.code ?? ""}`,
    /self[- ]signed|unable to (get|verify)|certificate/i);
  // Without a tls option nats.js still upgrades (INFO asks for it) and checks the server against
  // the system's CAs, which do not know the test CA.
  const system = await expectConnectFails("tls-system-ca", {});
  assert.match(`${system.message} ${system.cause?.message ?? ""} ${system.code ?? ""}`,
    /self[- ]signed|unable to (get|verify)|certificate/i);

  // The right CA gets in: only the trust anchor made the difference.
  const nc = await connectTls("tls-right-ca");
  try {
    await nc.flush();
  } finally {
    await closeAll(nc);
  }
});
