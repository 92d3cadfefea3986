import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../src/client";
import { createRoute, createService, deleteRoute, deleteService, getDraftStatus, getLatestVersion, getLatestVersionText, listVersions, publishDraft, updateService } from "../src/config-store";
import { ConflictError, ValidationError } from "../src/errors";
import { listWorkers, recordHeartbeat } from "../src/workers";
import { createTestDatabase, type TestDatabase } from "./test-database";

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.close();
});

async function fieldsOf(p: Promise<unknown>) {
  const error = await p.then(
    () => null,
    (e) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).fields;
}

describe("config store", () => {
  it("saves a valid service and route and publishes them as version 1", async () => {
    await createService(db, { name: "catalog", targets: [{ address: "127.0.0.1:4001", weight: 100 }] });
    await createRoute(db, { name: "courses", path: "/courses", service: "catalog" });
    const status = await getDraftStatus(db);
    expect(status.pending).toEqual([
      { kind: "service", name: "catalog", change: "added" },
      { kind: "route", name: "courses", change: "added" },
    ]);
    const v = await publishDraft(db, { author: "test", message: "first" });
    expect(v.version).toBe(1);
    expect(v.hash).toMatch(/^[0-9a-f]{64}$/);
    const latest = await getLatestVersion(db);
    expect(latest?.config).toMatchObject({ routes: [{ name: "courses", pathType: "prefix", timeouts: { connectMs: 5000 } }] });
    // What a worker reads: the same version, its config as the JSON text PostgreSQL holds.
    const text = await getLatestVersionText(db);
    expect(text).toMatchObject({ version: 1, hash: v.hash });
    expect(JSON.parse(text!.configJson)).toStrictEqual(latest!.config);
  });

  it("refuses a route to a missing service with the field path, saving nothing", async () => {
    const fields = await fieldsOf(createRoute(db, { name: "ghost", path: "/ghost", service: "nope" }));
    expect(fields).toEqual([{ path: "service", message: "refers to service nope, which does not exist" }]);
    expect((await getDraftStatus(db)).pending).toEqual([]);
  });

  it("refuses a bad target address and a duplicate route claim", async () => {
    const bad = await fieldsOf(createService(db, { name: "x", targets: [{ address: "nohost" }] }));
    expect(bad[0].path).toBe("targets.0.address");
    const clash = await fieldsOf(createRoute(db, { name: "courses-2", path: "/courses", service: "catalog" }));
    expect(clash[0]).toMatchObject({ path: "path", message: expect.stringContaining("conflicts with route courses") });
  });

  it("refuses to publish an unchanged draft and to delete a service in use", async () => {
    await expect(publishDraft(db, { author: "t" })).rejects.toBeInstanceOf(ConflictError);
    await expect(deleteService(db, "catalog")).rejects.toMatchObject({ code: "SERVICE_IN_USE" });
  });

  it("refuses to delete a service a route splits traffic to", async () => {
    await createService(db, { name: "catalog-v2", targets: [{ address: "127.0.0.1:4009" }] });
    await createRoute(db, { name: "canary", path: "/canary", service: "catalog", split: { service: "catalog-v2", percent: 10 } });
    await expect(deleteService(db, "catalog-v2")).rejects.toMatchObject({ code: "SERVICE_IN_USE", message: expect.stringContaining("canary") });
    await deleteRoute(db, "canary");
    await deleteService(db, "catalog-v2");
  });

  it("records what each publish changed", async () => {
    await updateService(db, "catalog", { name: "catalog", targets: [{ address: "127.0.0.1:4002" }] });
    const v2 = await publishDraft(db, { author: "test" });
    expect(v2.version).toBe(2);
    expect(v2.changes).toEqual([{ kind: "service", name: "catalog", change: "changed" }]);
    expect(v2.message).toBe("changed service catalog");
    expect((await listVersions(db)).map((v) => v.version)).toEqual([2, 1]);
  });

  it("flags a worker that lags behind or refused a version", async () => {
    const base = { host: "h", pid: 1, startedAt: new Date(), versionHash: "x", appliedAt: new Date(), lastError: null };
    await recordHeartbeat(db, { ...base, id: "w-current", version: 2, rejectedVersion: null });
    await recordHeartbeat(db, { ...base, id: "w-lagging", version: 1, rejectedVersion: null });
    await recordHeartbeat(db, { ...base, id: "w-rejected", version: 1, rejectedVersion: 2, lastError: "bad" });
    const { workers } = await listWorkers(db);
    const states = Object.fromEntries(workers.map((w) => [w.id, w.state]));
    expect(states).toEqual({ "w-current": "current", "w-lagging": "lagging", "w-rejected": "rejected" });
  });
});
