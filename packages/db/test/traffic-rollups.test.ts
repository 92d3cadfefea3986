import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketIndex, emptyHistogram } from "@bulwark/slo/histogram";
import { createDb, type Db } from "../src/client";
import { compactRollups, sumTraffic, writeRollups, type RollupRow } from "../src/traffic-rollups";
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

function row(minute: number, patch: Partial<RollupRow> = {}): RollupRow {
  const latency = emptyHistogram();
  latency[bucketIndex(20)] = patch.requests ?? 10;
  return { bucket: new Date(Date.UTC(2026, 10, 1, 0, minute)), route: "courses", service: "catalog", requests: 10, errors: 1, fallbacks: 0, shed: 0, rateLimited: 0, rejected: 0, latency, ...patch };
}

describe("traffic rollups", () => {
  it("sums rows from many workers for the same minute, histograms element by element", async () => {
    await writeRollups(db, [row(0), row(1)]);
    await writeRollups(db, [row(0, { requests: 5, errors: 2 })]);
    const t = await sumTraffic(db, { kind: "route", name: "courses" }, new Date(Date.UTC(2026, 10, 1)), new Date(Date.UTC(2026, 10, 2)));
    expect(t).toMatchObject({ requests: 25, errors: 4 });
    expect(t.latency[bucketIndex(20)]).toBe(25);
    const byService = await sumTraffic(db, { kind: "service", name: "catalog" }, new Date(Date.UTC(2026, 10, 1, 0, 1)), new Date(Date.UTC(2026, 10, 2)));
    expect(byService.requests).toBe(10);
  });

  it("compacts old minutes into hours without changing any total", async () => {
    const from = new Date(Date.UTC(2026, 10, 1));
    const to = new Date(Date.UTC(2026, 10, 2));
    await writeRollups(db, [row(61), row(125, { errors: 3 })]);
    const before = await sumTraffic(db, { kind: "route", name: "courses" }, from, to);
    const folded = await compactRollups(db, new Date(Date.UTC(2026, 10, 1, 2, 0)));
    expect(folded).toBe(3);
    const after = await sumTraffic(db, { kind: "route", name: "courses" }, from, to);
    expect(after).toEqual(before);
    expect(await db.trafficRollup.count({ where: { resolution: 3600 } })).toBe(2);
    expect(await db.trafficRollup.count({ where: { resolution: 60 } })).toBe(1);
  });
});
