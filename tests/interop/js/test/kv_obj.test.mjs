// Key-value buckets (ADR-8) and object stores (ADR-20) across implementations: what the
// nats-cpp tool (`nats kv`, `nats object`, built on nats/kv.h and nats/object_store.h) writes,
// nats.js (@nats-io/kv, @nats-io/obj) reads, and the other way round.
// Runs against a server with JetStream (nats-server -js: natsd has none yet).
// NATS_TOOL is the nats-cpp `nats` binary (set by CMake).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { closeAll, connectTo, kMsgTimeoutMs, serverUrl } from "../lib/helpers.mjs";

const execFileP = promisify(execFile);

// Runs the nats-cpp tool against the server under test; rejects on a non-zero exit.
async function nats(...args) {
  const tool = process.env.NATS_TOOL;
  assert.ok(tool, "NATS_TOOL is not set");
  const { stdout } = await execFileP(tool, args, {
    env: { ...process.env, NATS_URL: serverUrl() },
    encoding: "buffer",
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

test("a bucket made and written by nats-cpp is read and watched by nats.js", { timeout: 30000 }, async () => {
  await nats("kv", "add", "cppbucket", "--history", "5");
  await nats("kv", "put", "cppbucket", "color", "blue");
  await nats("kv", "put", "cppbucket", "color", "green");
  const nc = await connectTo("kv-js");
  try {
    const kv = await new Kvm(nc).open("cppbucket");
    const e = await kv.get("color");
    assert.equal(e?.string(), "green");
    assert.equal(e?.revision, 2);
    const status = await kv.status();
    assert.equal(status.history, 5);

    const history = [];
    for await (const h of await kv.history({ key: "color" })) history.push(h.string());
    assert.deepEqual(history, ["blue", "green"]);

    // A nats.js watcher sees a nats-cpp update and a nats-cpp delete.
    const watcher = await kv.watch({ key: "color", include: "updates" });
    const seen = (async () => {
      const ops = [];
      for await (const w of watcher) {
        ops.push(`${w.operation}:${w.string()}`);
        if (ops.length === 2) break;
      }
      return ops;
    })();
    await nats("kv", "put", "cppbucket", "color", "red");
    await nats("kv", "del", "cppbucket", "color", "-f");
    const ops = await Promise.race([
      seen,
      new Promise((_, reject) => setTimeout(() => reject(new Error("watch timed out")), kMsgTimeoutMs)),
    ]);
    assert.deepEqual(ops, ["PUT:red", "DEL:"]);
  } finally {
    await closeAll(nc);
  }
});

test("a bucket made and written by nats.js is read by nats-cpp", { timeout: 30000 }, async () => {
  const nc = await connectTo("kv-js");
  try {
    const kv = await new Kvm(nc).create("jsbucket", { history: 3 });
    await kv.put("size", "L");
    await kv.put("size", "XL");
    await kv.create("only-once", "1");
    assert.equal((await nats("kv", "get", "jsbucket", "size", "--raw")).toString().trim(), "XL");
    const keys = (await nats("kv", "keys", "jsbucket")).toString();
    assert.match(keys, /size/);
    assert.match(keys, /only-once/);
    // nats-cpp's create refuses a key nats.js made.
    await assert.rejects(nats("kv", "create", "jsbucket", "only-once", "2"));
  } finally {
    await closeAll(nc);
  }
});

test("objects cross between nats-cpp and nats.js byte for byte", { timeout: 60000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "obj-interop-"));
  const nc = await connectTo("obj-js");
  try {
    // nats-cpp puts a 700 KB file (several chunks); nats.js gets it and checks the digest.
    const original = randomBytes(700 * 1024);
    const file = join(dir, "blob.bin");
    await writeFile(file, original);
    await nats("object", "add", "cppobj");
    await nats("object", "put", "cppobj", file, "--name", "blob.bin");
    const os = await new Objm(nc).open("cppobj");
    const info = await os.info("blob.bin");
    assert.equal(info?.size, original.length);
    assert.ok(info?.chunks > 1, "stored in several chunks");
    const got = await os.getBlob("blob.bin");
    assert.ok(got, "nats.js found the object");
    assert.equal(Buffer.compare(Buffer.from(got), original), 0);

    // nats.js puts one; nats-cpp gets it to a file.
    const jsBytes = randomBytes(300 * 1024);
    const jsStore = await new Objm(nc).create("jsobj");
    await jsStore.putBlob({ name: "from-js" }, jsBytes);
    const out = join(dir, "from-js.bin");
    await nats("object", "get", "jsobj", "from-js", "-O", out);
    assert.equal(Buffer.compare(await readFile(out), jsBytes), 0);
  } finally {
    await closeAll(nc);
    await rm(dir, { recursive: true, force: true });
  }
});
