import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketIndex, emptyHistogram } from "@bulwark/slo/histogram";
import { createDb, type Db } from "../src/client";
import { compactRollups, sumTraffic, sumTrafficWindows, trafficSeries, writeRollups, type RollupRow } from "../src/traffic-rollups";
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

  it("never counts a minute twice when two console instances compact at the same moment", async () => {
    const day = Date.UTC(2026, 10, 3);
    const rows = Array.from({ length: 120 }, (_, i) => row(0, { bucket: new Date(day + i * 60_000), route: "race", requests: 3, errors: 0 }));
    await writeRollups(db, rows);
    const waiting = await db.trafficRollup.count({ where: { resolution: 60, bucket: { lt: new Date(day + 3 * 3_600_000) } } });
    const folded = await Promise.all([compactRollups(db, new Date(day + 3 * 3_600_000)), compactRollups(db, new Date(day + 3 * 3_600_000))]);
    expect(folded[0] + folded[1]).toBe(waiting);
    expect((await sumTraffic(db, { kind: "route", name: "race" }, new Date(day), new Date(day + 86_400_000))).requests).toBe(360);
  });
});

describe("traffic series", () => {
  const now = new Date(Date.UTC(2026, 10, 20, 12, 30, 30));
  const at = (msAgo: number) => new Date(Math.floor((now.getTime() - msAgo) / 60_000) * 60_000);
  const fast = (n: number, slowMs = 0, slow = 0) => {
    const latency = emptyHistogram();
    latency[bucketIndex(8)] = n - slow;
    if (slow) latency[bucketIndex(slowMs)] = slow;
    return latency;
  };
  beforeAll(async () => {
    const base = { route: "exams", service: "assessments", fallbacks: 0, shed: 0, rateLimited: 0, rejected: 0 };
    await writeRollups(db, [
      { ...base, bucket: at(5 * 60_000), requests: 600, errors: 6, fallbacks: 2, shed: 1, rateLimited: 3, latency: fast(600, 400, 30) },
      { ...base, bucket: at(4 * 60_000), requests: 60, errors: 0, latency: fast(60) },
      { ...base, bucket: at(0), requests: 30, errors: 3, latency: fast(30) },
      { ...base, route: "exam-submit", bucket: at(4 * 60_000), requests: 40, errors: 40, latency: fast(40, 2000, 40) },
    ]);
    // Compacted history: one hourly row 2 days ago, and a minute row 10 days ago that a compaction missed.
    await writeRollups(db, [{ ...base, bucket: new Date(Date.UTC(2026, 10, 18, 9)), requests: 7200, errors: 72, latency: fast(7200) }], 3600);
    await writeRollups(db, [{ ...base, bucket: new Date(Date.UTC(2026, 10, 10, 9, 7)), requests: 100, errors: 0, latency: fast(100) }]);
  });

  it("1h in minutes: one point per minute, requests/s over the elapsed part of the current minute, merged percentiles", async () => {
    const s = await trafficSeries(db, { kind: "route", name: "exams" }, { ms: 3_600_000, bucketSeconds: 60 }, now);
    expect(s.bucketSeconds).toBe(60);
    expect(s.points).toHaveLength(60); // 59 whole minutes and the current one
    expect(s.points[0].t).toBe(Date.UTC(2026, 10, 20, 11, 31));
    const byAgo = new Map(s.points.map((p) => [Math.round((now.getTime() - p.t) / 60_000), p]));
    const five = byAgo.get(6)!; // 12:25:00 is 5.5 minutes before 12:30:30
    expect(five).toMatchObject({ requests: 600, errors: 6, fallbacks: 2, shed: 1, rateLimited: 3, rps: 10, errorRate: 0.01 });
    expect(five.p50).toBeCloseTo(5 + (5 * 300) / 570, 9);
    expect(five.p99).toBeCloseTo(300 + (200 * (594 - 570)) / 30, 9);
    expect(s.points.at(-1)).toMatchObject({ requests: 30, rps: 1, errorRate: 0.1 }); // 30 requests in the first 30 s
    expect(s.points[1]).toMatchObject({ requests: 0, rps: 0, errorRate: null, p50: null });
    expect(s.totals).toMatchObject({ requests: 690, errors: 9, fallbacks: 2, errorRate: 9 / 690 });
  });

  it("a service sums its routes", async () => {
    const s = await trafficSeries(db, { kind: "service", name: "assessments" }, { ms: 3_600_000, bucketSeconds: 60 }, now);
    expect(s.totals).toMatchObject({ requests: 730, errors: 49 });
    expect(s.totals.p99).toBeGreaterThan(1500);
  });

  it("30d in 2-hour buckets: 360 points reading the hourly rows and the minutes a compaction missed", async () => {
    const s = await trafficSeries(db, { kind: "route", name: "exams" }, { ms: 30 * 86_400_000, bucketSeconds: 7200 }, now);
    expect(s.points).toHaveLength(360);
    expect(s.points.every((p, i) => i === 0 || p.t - s.points[i - 1].t === 7_200_000)).toBe(true);
    const hourly = s.points.find((p) => p.t === Date.UTC(2026, 10, 18, 8))!;
    expect(hourly).toMatchObject({ requests: 7200, rps: 1, errorRate: 0.01 });
    expect(s.points.find((p) => p.t === Date.UTC(2026, 10, 10, 8))!.requests).toBe(100);
    expect(s.totals.requests).toBe(690 + 7200 + 100);
  });

  it("sums several windows ending now in one query, as sumTraffic does one by one", async () => {
    const windows = [300_000, 3_600_000, 3 * 86_400_000, 30 * 86_400_000];
    const all = await sumTrafficWindows(db, { kind: "route", name: "exams" }, now, windows);
    // Not the 30-day one: sumTraffic skips minutes older than the last hourly row (the stray one here); this counts them.
    for (let i = 0; i < 3; i++) {
      expect(all[i]).toEqual(await sumTraffic(db, { kind: "route", name: "exams" }, new Date(now.getTime() - windows[i]), now));
    }
    expect(all.map((t) => t.requests)).toEqual([90, 690, 690 + 7200, 690 + 7200 + 100]);
    expect(await sumTrafficWindows(db, { kind: "route", name: "nothing" }, now, [60_000])).toEqual([
      { requests: 0, errors: 0, fallbacks: 0, shed: 0, rateLimited: 0, rejected: 0, latency: emptyHistogram() },
    ]);
  });
});
