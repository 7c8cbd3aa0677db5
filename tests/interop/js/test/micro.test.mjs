// Services (ADR-32) across implementations: a service written with the nats-cpp library
// (`nats micro serve`, built on nats/micro.h) is found, pinged, described and measured by
// nats.js' service client, and a nats.js service is listed by the nats-cpp tool.
// NATS_TOOL is the nats-cpp `nats` binary (set by CMake).
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { promisify } from "node:util";
import { ServiceError, Svcm } from "@nats-io/services";
import { closeAll, connectTo, kMsgTimeoutMs, serverUrl } from "../lib/helpers.mjs";

const run = promisify(execFile);

function natsTool() {
  const tool = process.env.NATS_TOOL;
  assert.ok(tool, "NATS_TOOL is not set");
  return tool;
}

// Starts `nats micro serve NAME` and resolves once it listens.
async function startCppService(name) {
  const proc = spawn(natsTool(), ["micro", "serve", name], {
    env: { ...process.env, NATS_URL: serverUrl() },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service never ready: ${out}`)), kMsgTimeoutMs);
    proc.stdout.on("data", (d) => {
      out += d;
      if (out.includes("Requests Log")) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.on("exit", (code) => reject(new Error(`service exited ${code}: ${out}`)));
  });
  return proc;
}

async function collect(iterable) {
  const out = [];
  for await (const v of await iterable) out.push(v);
  return out;
}

test("nats.js discovers and measures a nats-cpp service", { timeout: 30000 }, async () => {
  const svc = await startCppService("cppsvc");
  const nc = await connectTo("micro-js-client");
  try {
    const r = await nc.request("cppsvc.echo", "hello", { timeout: kMsgTimeoutMs });
    assert.equal(r.string(), "hello");
    assert.ok(r.headers?.get("Handler"), "the demo service says who answered");
    assert.equal(ServiceError.isServiceError(r), false);

    const client = new Svcm(nc).client();
    const pings = await collect(client.ping("cppsvc"));
    assert.equal(pings.length, 1);
    assert.equal(pings[0].type, "io.nats.micro.v1.ping_response");
    assert.equal(pings[0].name, "cppsvc");
    assert.equal(pings[0].version, "1.0.0");
    assert.match(pings[0].id, /^[A-Za-z0-9]{22}$/);
    const id = pings[0].id;

    const infos = await collect(client.info("cppsvc", id));
    assert.equal(infos.length, 1);
    assert.equal(infos[0].type, "io.nats.micro.v1.info_response");
    assert.equal(infos[0].description, "NATS CLI Demo Service (cppsvc)");
    assert.deepEqual(infos[0].endpoints.map((e) => [e.name, e.subject, e.queue_group]), [
      ["echo", "cppsvc.echo", "q"],
    ]);

    const stats = await collect(client.stats("cppsvc"));
    assert.equal(stats.length, 1);
    assert.equal(stats[0].type, "io.nats.micro.v1.stats_response");
    assert.ok(!Number.isNaN(Date.parse(stats[0].started)));
    const ep = stats[0].endpoints[0];
    assert.equal(ep.num_requests, 1);
    assert.equal(ep.num_errors, 0);
    assert.equal(ep.data.total_payload, 5);
    assert.ok(ep.processing_time > 0);

    // Every service answers the unnamed verb too.
    const all = await collect(client.ping());
    assert.ok(all.some((p) => p.id === id));
  } finally {
    svc.kill("SIGINT");
    await once(svc, "exit");
    await closeAll(nc);
  }
});

test("the nats-cpp tool lists a nats.js service", { timeout: 30000 }, async () => {
  const nc = await connectTo("micro-js-service");
  try {
    const svc = await new Svcm(nc).add({ name: "jssvc", version: "2.0.1", description: "from js" });
    // nats.js counts an error when the handler throws, and answers with the error headers.
    svc.addEndpoint("fail", () => {
      throw new ServiceError(418, "teapot");
    });
    await nc.flush();
    const env = { ...process.env, NATS_URL: serverUrl() };
    const ls = await run(natsTool(), ["micro", "ls", "jssvc", "--json"], { env });
    const infos = JSON.parse(ls.stdout);
    assert.equal(infos.length, 1);
    assert.equal(infos[0].description, "from js");
    assert.equal(infos[0].endpoints[0].subject, "fail");

    const req = await run(natsTool(), ["req", "fail", "x"], { env });
    assert.match(req.stdout, /Nats-Service-Error: teapot/);
    assert.match(req.stdout, /Nats-Service-Error-Code: 418/);

    const stats = JSON.parse((await run(natsTool(), ["micro", "stats", "jssvc", "--json"], { env })).stdout);
    assert.equal(stats[0].endpoints[0].num_errors, 1);
    assert.equal(stats[0].endpoints[0].last_error, "teapot");
    await svc.stop();
  } finally {
    await closeAll(nc);
  }
});
