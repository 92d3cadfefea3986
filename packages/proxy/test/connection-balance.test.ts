import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { eventually, startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

let database: TestDatabase;
let db: Db;
let echo: Upstream;
let version: number;
const gateways: Gateway[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  echo = await startUpstream("echo");
  await replaceDraft(db, { services: [{ name: "echo", targets: [{ address: echo.address }] }], routes: [{ name: "echo", path: "/", service: "echo" }] });
  ({ version } = await publishDraft(db, { author: "test" }));
});

afterAll(async () => {
  for (const g of gateways) await g.stop();
  await echo?.close();
  await db?.$disconnect();
  await database?.close();
});

function get(url: string, agent: Agent): Promise<number> {
  return new Promise((ok) => {
    const req = request(`${url}/x`, { agent }, (res) => {
      res.resume();
      res.on("end", () => ok(res.statusCode ?? 0));
    });
    req.on("error", () => ok(-1));
    req.end();
  });
}

/**
 * Eight kept-alive client connections on `agent`, all accepted by one worker while the other is stopped
 * (SIGSTOP). With balancing on, the running worker may already close some of them as it answers (the stopped
 * one's share counts): `all` is the number it must hold, else any.
 */
async function skew(gateway: Gateway, agent: Agent, statuses: Set<number>, all: number | null): Promise<void> {
  const [first, second] = (await gateway.status()).workers;
  process.kill(second.pid, "SIGSTOP");
  try {
    for (const s of await Promise.all(Array.from({ length: 8 }, () => get(gateway.url, agent)))) statuses.add(s);
    await eventually(async () => {
      const held = (await gateway.status()).workers.find((w) => w.pid === first.pid)?.connections ?? 0;
      return all === null ? held > 0 : held === all;
    }, "the connections on the running worker");
  } finally {
    process.kill(second.pid, "SIGCONT");
  }
}

/** Requests on `agent`'s connections, eight at a time, until `done()`. */
async function traffic(gateway: Gateway, agent: Agent, statuses: Set<number>, done: () => boolean): Promise<void> {
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (!done()) statuses.add(await get(gateway.url, agent));
    }),
  );
}

describe("client connections across workers", () => {
  it("moves kept-alive connections from a worker holding them all to the idle one, without failing a request", async () => {
    const gateway = await startGateway({ databaseUrl: database.url, workers: 2 });
    gateways.push(gateway);
    await gateway.waitForVersion(version);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const statuses = new Set<number>();
    await skew(gateway, agent, statuses, null);
    let done = false;
    const running = traffic(gateway, agent, statuses, () => done);
    try {
      // Each worker ends up with about half of the eight.
      await eventually(async () => (await gateway.status()).workers.every((w) => w.connections >= 3), "both workers holding at least 3 connections");
    } finally {
      done = true;
      await running;
      agent.destroy();
    }
    expect([...statuses]).toEqual([200]);
  });

  it("leaves them where they are with GATEWAY_BALANCE_CONNECTIONS=false", async () => {
    const gateway = await startGateway({ databaseUrl: database.url, workers: 2, env: { GATEWAY_BALANCE_CONNECTIONS: "false" } });
    gateways.push(gateway);
    await gateway.waitForVersion(version);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const statuses = new Set<number>();
    await skew(gateway, agent, statuses, 8);
    const until = Date.now() + 2_000;
    await traffic(gateway, agent, statuses, () => Date.now() > until);
    const connections = (await gateway.status()).workers.map((w) => w.connections);
    agent.destroy();
    expect([...statuses]).toEqual([200]);
    expect(connections.sort()).toEqual([0, 8]);
  });
});
