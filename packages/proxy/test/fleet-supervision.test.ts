import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { eventually, startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";
import { alive, startClients } from "./keepalive-clients";

let database: TestDatabase;
let db: Db;
let echo: Upstream;
let version: number;
const gateways: Gateway[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  echo = await startUpstream("echo", (req, res) => {
    // /slow/... answers after 800 ms: requests still in flight when something is killed.
    setTimeout(() => res.end("ok"), req.url?.startsWith("/slow") ? 800 : 0);
    return true;
  });
  await replaceDraft(db, { services: [{ name: "echo", targets: [{ address: echo.address }] }], routes: [{ name: "echo", path: "/", service: "echo" }] });
  ({ version } = await publishDraft(db, { author: "test" }));
});

afterAll(async () => {
  for (const g of gateways) await g.stop();
  await echo?.close();
  await db?.$disconnect();
  await database?.close();
});

function portRefuses(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((ok) => {
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      ok(false);
    });
    socket.once("error", (e: NodeJS.ErrnoException) => ok(e.code === "ECONNREFUSED"));
  });
}

describe("the gateway survives its own parts", () => {
  /** Kills one serving worker under kept-alive load; returns how long until a worker with another pid served. */
  async function killAWorkerUnderLoad(gateway: Gateway): Promise<{ victim: number; replacedAfterMs: number }> {
    const load = startClients(gateway.url, { clients: 4, sockets: 2 });
    try {
      while (load.outcomes.filter((o) => o.status === 200).length < 200) await new Promise((r) => setTimeout(r, 20));
      const [victim] = (await gateway.status()).workers;
      const killedAt = Date.now();
      process.kill(victim.pid, "SIGKILL");
      await eventually(async () => {
        const s = await gateway.status();
        return s.workers.length === 2 && s.workers.every((w) => w.pid !== victim.pid && w.ready);
      }, "a replacement worker serving");
      const replacedAfterMs = Date.now() - killedAt;
      const before = load.outcomes.length;
      while (load.outcomes.length < before + 100) await new Promise((r) => setTimeout(r, 20));
      await load.stop();
      const failed = load.failures();
      console.log(`worker replaced and ready ${replacedAfterMs} ms after SIGKILL; ${failed.length} of ${load.outcomes.length} requests failed`);
      // Each of the 8 client connections was on one worker or the other: at most one request each is lost, those the kernel reset.
      expect(failed.length).toBeLessThanOrEqual(8);
      for (const o of failed) expect(o.error).toMatch(/^(ECONNRESET|EPIPE)/);
      // And the ones after the replacement are served.
      expect(load.outcomes.slice(-50).every((o) => o.status === 200)).toBe(true);
      return { victim: victim.pid, replacedAfterMs };
    } finally {
      await load.stop();
    }
  }

  it("promotes the warm spare in a SIGKILLed worker's place and forks a new spare; only requests on the dead worker's connections fail", async () => {
    const gateway = await startGateway({ databaseUrl: database.url, workers: 2 });
    gateways.push(gateway);
    try {
      await gateway.waitForVersion(version);
      // The spare loaded the config too, but neither listens nor joins the fleet in the database.
      await eventually(async () => (await gateway.status()).spares.some((s) => s.version === version), "the warm spare to load the config");
      const [spare] = (await gateway.status()).spares;
      expect(spare.ready).toBe(false);
      const fleet = await db.worker.findMany({ where: { stoppedAt: null } });
      expect(fleet.map((w) => w.pid)).not.toContain(spare.pid);
      // Nor is it in /metrics, whose per-worker gauges describe the serving workers.
      const versions = async () => [...(await (await fetch(`${gateway.adminUrl}/metrics`)).text()).matchAll(/bulwark_config_version\{worker="(\d+)"\}/g)].map((m) => Number(m[1]));
      expect(await versions()).toHaveLength(2);
      expect(await versions()).not.toContain(spare.pid);

      const { victim } = await killAWorkerUnderLoad(gateway);
      // The spare took the dead worker's place (the one that serves now is the spare's process)...
      const serving = (await gateway.status()).workers.map((w) => w.pid);
      expect(serving).toContain(spare.pid);
      expect(serving).not.toContain(victim);
      expect(gateway.output()).toMatch(/"delayMs":0,"msg":"worker died; promoted the warm spare; forking a new spare"/);
      // ...it heartbeats as a worker now, and a new spare is loaded for the next death.
      await eventually(async () => (await db.worker.findMany({ where: { stoppedAt: null } })).some((w) => w.pid === spare.pid), "the promoted spare to heartbeat");
      await eventually(async () => (await versions()).includes(spare.pid), "the promoted spare in /metrics");
      await eventually(async () => {
        const s = await gateway.status();
        return s.spares.length === 1 && s.spares[0].pid !== spare.pid && s.spares[0].version === version;
      }, "a new warm spare");
    } finally {
      await gateway.stop();
    }
  });

  it("without a spare, forks a SIGKILLed worker's replacement at once", async () => {
    const gateway = await startGateway({ databaseUrl: database.url, workers: 2, env: { GATEWAY_SPARE_WORKERS: "0" } });
    gateways.push(gateway);
    try {
      await gateway.waitForVersion(version);
      expect((await gateway.status()).spares).toEqual([]);
      await killAWorkerUnderLoad(gateway);
      // The policy answered the death at once (the log says so: no timing to break on a slow machine).
      expect(gateway.output()).toMatch(/"delayMs":0,"msg":"worker died; forking a new one"/);
    } finally {
      await gateway.stop();
    }
  });

  it("replaces a dead spare with a new spare, leaving the serving workers alone", async () => {
    const gateway = await startGateway({ databaseUrl: database.url, workers: 2 });
    gateways.push(gateway);
    try {
      await gateway.waitForVersion(version);
      await eventually(async () => (await gateway.status()).spares.length === 1, "the warm spare");
      const serving = (await gateway.status()).workers.map((w) => w.pid).sort();
      const [spare] = (await gateway.status()).spares;
      process.kill(spare.pid, "SIGKILL");
      await eventually(async () => {
        const s = await gateway.status();
        return s.spares.length === 1 && s.spares[0].pid !== spare.pid && s.spares[0].version === version;
      }, "a new warm spare");
      expect((await gateway.status()).workers.map((w) => w.pid).sort()).toEqual(serving);
      expect(gateway.output()).toMatch(/"msg":"spare died; forking a new spare"/);
    } finally {
      await gateway.stop();
    }
  });

  it("stops the workers of a SIGKILLed primary, freeing the port, after they finish their requests in flight", async () => {
    const gateway = await startGateway({ databaseUrl: database.url, workers: 2 });
    gateways.push(gateway);
    await gateway.waitForVersion(version);
    await eventually(async () => (await gateway.status()).spares.length === 1, "the warm spare");
    const status = await gateway.status();
    // The spare is orphaned too, and must not be left behind.
    const pids = [...status.workers, ...status.spares].map((w) => w.pid);
    const inFlight = Array.from({ length: 6 }, (_, i) =>
      fetch(`${gateway.url}/slow/${i}`, { headers: { connection: "close" } }).then(
        async (r) => `${r.status} ${await r.text()}`,
        (e: Error) => `failed ${(e as { cause?: Error }).cause?.message ?? e.message}`,
      ),
    );
    await new Promise((r) => setTimeout(r, 300)); // all six are waiting on the upstream
    process.kill(gateway.process.pid!, "SIGKILL");
    expect(await Promise.all(inFlight)).toEqual(Array.from({ length: 6 }, () => "200 ok"));
    await eventually(() => pids.every((pid) => !alive(pid)), "the orphaned workers to exit");
    expect(await portRefuses(gateway.url)).toBe(true);
    await gateway.stop();
  });
});
