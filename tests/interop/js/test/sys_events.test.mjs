// The docs.nats.io "System Events" tutorial with nats.js, against tests/interop/sysacc/sysacc.conf:
// a system user subscribes to $SYS.> and watches clients connect and disconnect, pings the
// servers for STATSZ and asks for user info; an application user asks who it is.
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeAll, connectTo, kMsgTimeoutMs, withTimeout } from "../lib/helpers.mjs";

const as = (user, pass) => connectTo(`sys-${user}`, { user, pass });

// Collects a subscription's messages; next(pred) resolves with the first (decoded) message not
// yet taken whose subject satisfies pred.
function watch(conn, subject) {
  const seen = [];
  let waiter = null;
  conn.subscribe(subject, {
    callback: (err, m) => {
      if (err) return;
      seen.push({ subject: m.subject, data: m.json() });
      if (waiter) waiter();
    },
  });
  return {
    async next(pred) {
      for (;;) {
        const i = seen.findIndex((m) => pred(m.subject));
        if (i >= 0) return seen.splice(i, 1)[0];
        await new Promise((resolve) => (waiter = resolve));
      }
    },
  };
}

test("watch connect and disconnect events on $SYS.>", { timeout: 30000 }, async () => {
  const admin = await as("admin", "admin");
  try {
    const sub = watch(admin, "$SYS.ACCOUNT.>");
    await admin.flush();
    const app = await as("app", "app");
    const connect = await withTimeout(sub.next((s) => s.endsWith(".CONNECT")), kMsgTimeoutMs,
                                      "CONNECT event");
    assert.equal(connect.subject, "$SYS.ACCOUNT.APP.CONNECT");
    assert.equal(connect.data.type, "io.nats.server.advisory.v1.client_connect");
    assert.equal(connect.data.client.acc, "APP");
    assert.equal(connect.data.client.user, "app");
    assert.equal(connect.data.client.name, "sys-app");
    assert.equal(connect.data.client.lang, "nats.js");
    assert.equal(connect.data.server.id, admin.info.server_id);
    await app.close();
    const gone = await withTimeout(sub.next((s) => s.endsWith(".DISCONNECT")), kMsgTimeoutMs,
                                   "DISCONNECT event");
    assert.equal(gone.subject, "$SYS.ACCOUNT.APP.DISCONNECT");
    assert.equal(gone.data.type, "io.nats.server.advisory.v1.client_disconnect");
    assert.equal(gone.data.reason, "Client Closed");
    assert.ok(gone.data.client.stop);
  } finally {
    await closeAll(admin);
  }
});

test("ping the servers for their statistics", { timeout: 30000 }, async () => {
  const admin = await as("admin", "admin");
  try {
    const inbox = watch(admin, "_INBOX.ping.>");
    await admin.flush();
    admin.publish("$SYS.REQ.SERVER.PING", "", { reply: "_INBOX.ping.1" });
    const r = await withTimeout(inbox.next(() => true), kMsgTimeoutMs, "STATSZ reply");
    assert.equal(r.data.server.id, admin.info.server_id);
    assert.ok(r.data.statsz.connections >= 1);
    assert.ok(r.data.statsz.start);
    const idz = await admin.request("$SYS.REQ.SERVER.PING.IDZ", "", { timeout: kMsgTimeoutMs });
    assert.equal(idz.json().id, admin.info.server_id);
    const connz = await admin.request(`$SYS.REQ.SERVER.${admin.info.server_id}.CONNZ`,
                                      JSON.stringify({ auth: true }), { timeout: kMsgTimeoutMs });
    const names = connz.json().data.connections.map((c) => c.name);
    assert.ok(names.includes("sys-admin"), names.join(","));
  } finally {
    await closeAll(admin);
  }
});

test("a user asks who it is", { timeout: 30000 }, async () => {
  const app = await as("app", "app");
  const admin = await as("admin", "admin");
  try {
    const me = (await app.request("$SYS.REQ.USER.INFO", "", { timeout: kMsgTimeoutMs })).json();
    assert.equal(me.data.user, "app");
    assert.equal(me.data.account, "APP");
    assert.deepEqual(me.data.permissions.publish.allow,
                     ["app.>", "_INBOX.>", "$SYS.REQ.USER.INFO"]);
    const sys = (await admin.request("$SYS.REQ.USER.INFO", "", { timeout: kMsgTimeoutMs })).json();
    assert.equal(sys.data.account, "SYS");
  } finally {
    await closeAll(app, admin);
  }
});
