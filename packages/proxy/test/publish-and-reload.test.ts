import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { createRoute, createService, deleteRoute, publishDraft, updateService } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { eventually, startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

let database: TestDatabase;
let db: Db;
let gateway: Gateway;
let blue: Upstream;
let green: Upstream;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  [blue, green] = await Promise.all([startUpstream("blue"), startUpstream("green")]);
  gateway = await startGateway({ databaseUrl: database.url, workers: 2, waitReady: false });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([blue?.close(), green?.close()]);
  await db?.$disconnect();
  await database?.close();
});

/** Sends enough requests that both workers (the kernel spreads connections) answer, each on a new connection. */
async function everyAnswer(path: string, n = 20, init?: RequestInit) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const res = await fetch(gateway.url + path, { ...init, headers: { connection: "close", ...(init?.headers ?? {}) } });
      return { status: res.status, body: await res.text(), upstream: res.headers.get("x-upstream") };
    }),
  );
}

describe("publishing", () => {
  it("answers 503 NO_CONFIG before any version exists, and is not ready", async () => {
    let res: Response | undefined;
    await eventually(async () => {
      res = await fetch(`${gateway.url}/anything`);
      return true;
    }, "the workers to listen");
    expect(res!.status).toBe(503);
    expect(((await res!.json()) as { error: { code: string } }).error.code).toBe("NO_CONFIG");
    expect((await fetch(`${gateway.adminUrl}/readyz`)).status).toBe(503);
  });

  it("serves a new route on every worker soon after publish", async () => {
    await createService(db, { name: "catalog", targets: [{ address: blue.address }] });
    await createRoute(db, { name: "catalog", path: "/catalog", service: "catalog", stripPrefix: true });
    const { version } = await publishDraft(db, { author: "test" });
    await gateway.waitForVersion(version);
    expect((await fetch(`${gateway.adminUrl}/readyz`)).status).toBe(200);
    const answers = await everyAnswer("/catalog/courses?level=beginner");
    expect(answers.every((a) => a.status === 200 && a.upstream === "blue")).toBe(true);
    expect(JSON.parse(answers[0].body).url).toBe("/courses?level=beginner");
    const heartbeats = await db.worker.findMany({ where: { stoppedAt: null } });
    await eventually(async () => (await db.worker.findMany({ where: { version } })).length === 2, "both workers heartbeating the version");
    expect(heartbeats.length).toBeGreaterThanOrEqual(2);
  });

  it("applies edits and deletes the same way", async () => {
    await updateService(db, "catalog", { name: "catalog", targets: [{ address: green.address }] });
    const edit = await publishDraft(db, { author: "test" });
    await gateway.waitForVersion(edit.version);
    expect((await everyAnswer("/catalog/x")).every((a) => a.upstream === "green")).toBe(true);
    await deleteRoute(db, "catalog");
    const del = await publishDraft(db, { author: "test" });
    await gateway.waitForVersion(del.version);
    const gone = await everyAnswer("/catalog/x", 6);
    expect(gone.every((a) => a.status === 404 && JSON.parse(a.body).error.code === "ROUTE_NOT_FOUND")).toBe(true);
  });

  it("refuses a version that does not parse, on every worker, and keeps serving the previous one", async () => {
    await createRoute(db, { name: "catalog", path: "/catalog", service: "catalog" });
    const good = await publishDraft(db, { author: "test" });
    await gateway.waitForVersion(good.version);
    const bad = good.version + 1;
    await db.configVersion.create({
      data: { version: bad, hash: "bad", author: "by hand", message: "broken", changes: [], config: { services: [], routes: [{ name: "x", path: "/x", service: "missing" }] } },
    });
    await db.$executeRaw`SELECT pg_notify('bulwark_config', ${String(bad)})`;
    await eventually(async () => (await gateway.status()).workers.every((w) => w.rejectedVersion === bad), "every worker to refuse the bad version");
    const s = await gateway.status();
    expect(s.workers.every((w) => w.version === good.version && /refers to service missing/.test(w.lastError ?? ""))).toBe(true);
    expect((await everyAnswer("/catalog/x")).every((a) => a.status === 200)).toBe(true);
    await eventually(async () => (await db.worker.findMany({ where: { rejectedVersion: bad, stoppedAt: null } })).length === 2, "refusal in heartbeats");
    // A good version after the bad one is picked up.
    await updateService(db, "catalog", { name: "catalog", targets: [{ address: blue.address }] });
    const next = await publishDraft(db, { author: "test" });
    await gateway.waitForVersion(next.version);
  });

  it("loses no request while versions are published under continuous traffic", async () => {
    let stop = false;
    const statuses: number[] = [];
    const clients = Array.from({ length: 6 }, async () => {
      while (!stop) {
        try {
          const res = await fetch(`${gateway.url}/catalog/courses`, { method: "POST", body: "x".repeat(2048) });
          await res.arrayBuffer();
          statuses.push(res.status);
        } catch {
          statuses.push(0);
        }
      }
    });
    for (let i = 0; i < 20; i++) {
      await updateService(db, "catalog", { name: "catalog", targets: [{ address: i % 2 ? blue.address : green.address }] });
      const { version } = await publishDraft(db, { author: "reload" });
      await gateway.waitForVersion(version);
    }
    stop = true;
    await Promise.all(clients);
    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });
});
