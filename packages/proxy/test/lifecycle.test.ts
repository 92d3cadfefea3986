import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { eventually, startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

let database: TestDatabase;
let db: Db;
let slow: Upstream;
const gateways: Gateway[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  slow = await startUpstream("slow", (_req, res) => {
    setTimeout(() => res.end("done"), 700);
    return true;
  });
  await replaceDraft(db, { services: [{ name: "slow", targets: [{ address: slow.address }] }], routes: [{ name: "slow", path: "/", service: "slow" }] });
  await publishDraft(db, { author: "test" });
});

afterAll(async () => {
  for (const g of gateways) await g.stop();
  await slow?.close();
  await db?.$disconnect();
  await database?.close();
});

describe("gateway process lifecycle", () => {
  it("turns /readyz to 503, finishes every in-flight request, then exits", async () => {
    const gateway = await startGateway({ databaseUrl: database.url, workers: 2 });
    gateways.push(gateway);
    await gateway.waitForVersion(1);
    const inFlight = Array.from({ length: 30 }, (_, i) =>
      fetch(`${gateway.url}/r${i}`).then(
        async (r) => `${r.status} ${await r.text()}`,
        (e: Error) => `failed ${e.message} ${(e as { cause?: Error }).cause?.message ?? ""}`,
      ),
    );
    await new Promise((r) => setTimeout(r, 200)); // all 30 are now waiting on the upstream
    const exited = new Promise<number | null>((ok) => gateway.process.once("exit", (code) => ok(code)));
    gateway.process.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 100));
    const ready = await fetch(`${gateway.adminUrl}/readyz`).then(
      (r) => r.status,
      () => "closed",
    );
    expect(ready).toBe(503);
    expect(await Promise.all(inFlight)).toEqual(Array.from({ length: 30 }, () => "200 done"));
    expect(await exited).toBe(0);
    await gateway.stop();
  });

  it("forks a new worker when one dies, and keeps serving meanwhile", async () => {
    const gateway = await startGateway({ databaseUrl: database.url, workers: 2 });
    gateways.push(gateway);
    await gateway.waitForVersion(1);
    const [victim] = (await gateway.status()).workers;
    process.kill(victim.pid, "SIGKILL");
    for (let i = 0; i < 10; i++) expect((await fetch(`${gateway.url}/still-up`, { headers: { connection: "close" } })).status).toBe(200);
    await eventually(async () => {
      const s = await gateway.status();
      return s.workers.length === 2 && s.workers.every((w) => w.pid !== victim.pid && w.ready);
    }, "a replacement worker");
    await gateway.stop();
  });
});
