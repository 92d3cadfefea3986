import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { createRoute, createService, publishDraft, updateService } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { eventually, startGateway, startUpstream, tempDir, type Gateway, type Upstream } from "./gateway-harness";

let database: TestDatabase;
let db: Db;
let blue: Upstream;
let green: Upstream;
const stateDir = tempDir("bulwark-lkg-");
const running: Gateway[] = [];

beforeAll(async () => {
  database = await createTestDatabase({ embedded: true });
  db = createDb(database.url);
  [blue, green] = await Promise.all([startUpstream("blue"), startUpstream("green")]);
  await createService(db, { name: "catalog", targets: [{ address: blue.address }] });
  await createRoute(db, { name: "catalog", path: "/catalog", service: "catalog" });
  await publishDraft(db, { author: "test" });
});

afterAll(async () => {
  for (const g of running) await g.stop();
  await Promise.all([blue?.close(), green?.close()]);
  await db?.$disconnect();
  await database?.close();
});

async function upstreamOf(gateway: Gateway) {
  const res = await fetch(`${gateway.url}/catalog/x`, { headers: { connection: "close" } });
  return res.status === 200 ? res.headers.get("x-upstream") : `status ${res.status}`;
}

describe("when PostgreSQL goes away", () => {
  it("keeps serving while the database is down and catches up by itself when it returns", async () => {
    const gateway = await startGateway({ databaseUrl: database.url, stateDir });
    running.push(gateway);
    await gateway.waitForVersion(1);
    await database.server!.stop();
    for (let i = 0; i < 20; i++) expect(await upstreamOf(gateway)).toBe("blue");
    await new Promise((r) => setTimeout(r, 1500)); // several failed polls and heartbeats
    for (let i = 0; i < 10; i++) expect(await upstreamOf(gateway)).toBe("blue");
    expect(gateway.process.exitCode).toBeNull();

    await database.server!.start();
    await updateService(db, "catalog", { name: "catalog", targets: [{ address: green.address }] });
    const { version } = await publishDraft(db, { author: "test" });
    await gateway.waitForVersion(version);
    await eventually(async () => (await upstreamOf(gateway)) === "green", "traffic on the new version");
    await gateway.stop();
    running.pop();
  });

  it("starts from its last-known-good file when the database is unreachable", async () => {
    await database.server!.stop();
    const gateway = await startGateway({ databaseUrl: database.url, stateDir });
    running.push(gateway);
    await gateway.waitForVersion(2);
    const status = await gateway.status();
    expect(status.workers.map((w) => [w.version, w.source])).toEqual([
      [2, "last-known-good"],
      [2, "last-known-good"],
    ]);
    for (let i = 0; i < 10; i++) expect(await upstreamOf(gateway)).toBe("green");
    await database.server!.start();
  });
});
