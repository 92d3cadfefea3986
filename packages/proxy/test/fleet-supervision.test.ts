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
  it("forks a SIGKILLed worker's replacement at once, and fails only requests on the dead worker's connections", async () => {
    const gateway = await startGateway({ databaseUrl: database.url, workers: 2 });
    gateways.push(gateway);
    await gateway.waitForVersion(version);
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
      // The policy answered the death at once (the log says so: no timing to break on a slow machine).
      expect(gateway.output()).toMatch(/"delayMs":0,"msg":"worker died; forking a new one"/);
      // Each of the 8 client connections was on one worker or the other: at most one request each is lost, those the kernel reset.
      expect(failed.length).toBeLessThanOrEqual(8);
      for (const o of failed) expect(o.error).toMatch(/^(ECONNRESET|EPIPE)/);
      // And the ones after the replacement are served.
      expect(load.outcomes.slice(-50).every((o) => o.status === 200)).toBe(true);
    } finally {
      await load.stop();
      await gateway.stop();
    }
  });

  it("stops the workers of a SIGKILLed primary, freeing the port, after they finish their requests in flight", async () => {
    const gateway = await startGateway({ databaseUrl: database.url, workers: 2 });
    gateways.push(gateway);
    await gateway.waitForVersion(version);
    const pids = (await gateway.status()).workers.map((w) => w.pid);
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
