import { Agent, request } from "node:http";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";
import { startClients } from "./keepalive-clients";

let database: TestDatabase;
let db: Db;
let echo: Upstream;
let version: number;
const gateways: Gateway[] = [];
const DRAIN_DELAY_MS = 1_000;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  echo = await startUpstream("echo", (_req, res) => {
    res.end("ok");
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

function exitOf(gateway: Gateway): Promise<number | null> {
  if (gateway.process.exitCode !== null) return Promise.resolve(gateway.process.exitCode);
  return new Promise((ok) => gateway.process.once("exit", (code) => ok(code)));
}

describe("draining on SIGTERM", () => {
  // Run several times: the race it guards against (a kept-alive connection closed as its next request arrives) is a matter of timing.
  it.each([1, 2, 3])("resets no request of clients doing back-to-back requests on kept-alive connections (run %i)", async () => {
    const gateway = await startGateway({ databaseUrl: database.url, workers: 2, env: { GATEWAY_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS) } });
    gateways.push(gateway);
    await gateway.waitForVersion(version);
    const load = startClients(gateway.url, { clients: 4, sockets: 2 });
    try {
      while (load.outcomes.filter((o) => o.status === 200 && o.reused).length < 300) await new Promise((r) => setTimeout(r, 20));
      const exited = exitOf(gateway);
      const sigtermAt = Date.now();
      gateway.process.kill("SIGTERM");
      expect(await exited).toBe(0);
      // A moment longer, so clients also try the closed port.
      await new Promise((r) => setTimeout(r, 200));
      await load.stop();

      // The class this guards: a request sent on a kept-alive connection is answered, whatever instant the drain closed it.
      const onKeptAlive = load.outcomes.filter((o) => o.reused && o.status !== 200);
      expect(onKeptAlive, `failed on kept-alive connections:\n${JSON.stringify(onKeptAlive.slice(0, 10), null, 1)}\n${gateway.output()}`).toEqual([]);
      // Nothing fails before the listener can have closed (it closes after the drain delay, counted from the signal's arrival).
      const listenerClosed = sigtermAt + DRAIN_DELAY_MS;
      const early = load.outcomes.filter((o) => o.startedAt < listenerClosed && o.status !== 200);
      expect(early, JSON.stringify(early.slice(0, 10), null, 1)).toEqual([]);
      // After it, a new connection is refused, or (queued in the kernel the instant the last listener closed) reset before any answer.
      const late = load.outcomes.filter((o) => o.status !== 200);
      for (const o of late) expect(o.error).toMatch(/^(ECONNREFUSED|ECONNRESET)/);
      if (late.length)
        console.log(
          `drain run: ${late.filter((o) => o.error?.startsWith("ECONNREFUSED")).length} refused, ${late.filter((o) => o.error?.startsWith("ECONNRESET")).length} reset in the accept queue, of ${load.outcomes.length}`,
        );
      // The drain was seen by the clients: answers after SIGTERM said Connection: close, and they kept being served.
      const during = load.outcomes.filter((o) => o.startedAt > sigtermAt && o.status === 200);
      expect(during.length).toBeGreaterThan(10);
      expect(during.filter((o) => o.closed).length).toBeGreaterThan(10);
    } finally {
      await load.stop();
      await gateway.stop();
    }
  });

  it("closes a kept-alive connection left idle through the drain, and exits without waiting out the drain timeout", async () => {
    // With a drain timeout longer than the test's, waiting for the idle connection would fail the test.
    const gateway = await startGateway({ databaseUrl: database.url, workers: 1, env: { GATEWAY_DRAIN_DELAY_MS: "200", GATEWAY_DRAIN_MS: "600000" } });
    gateways.push(gateway);
    await gateway.waitForVersion(version, 1);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const socket = await new Promise<Socket>((ok, fail) => {
      const req = request(`${gateway.url}/idle`, { agent }, (res) => {
        res.resume();
        res.on("end", () => ok(req.socket!));
      });
      req.on("error", fail);
      req.end();
    });
    const socketClosed = new Promise<string>((closed) => {
      socket.once("error", (e: NodeJS.ErrnoException) => closed(`error ${e.code}`));
      socket.once("close", () => closed("closed"));
    });
    const exited = exitOf(gateway);
    gateway.process.kill("SIGTERM");
    expect(await socketClosed).toBe("closed");
    expect(await exited).toBe(0);
    agent.destroy();
  });
});
