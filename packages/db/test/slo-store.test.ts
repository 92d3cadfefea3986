import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketIndex, emptyHistogram } from "@bulwark/slo/histogram";
import { createDb, type Db } from "../src/client";
import { createRoute, createService, deleteRoute, publishDraft } from "../src/config-store";
import { NotFoundError, ValidationError } from "../src/errors";
import { createSlo, deleteSlo, getSloHistory, getSloReport, getSloStatus, listSloAlerts, listSloReports, listSlos, updateSlo } from "../src/slo-store";
import { writeRollups, type RollupRow } from "../src/traffic-rollups";
import { createTestDatabase, type TestDatabase } from "./test-database";

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  for (const name of ["assessments", "catalog", "enrollment"]) await createService(db, { name, targets: [{ address: "127.0.0.1:4001" }] });
  await createRoute(db, { name: "assessments", path: "/assessments", service: "assessments" });
  await createRoute(db, { name: "signup", path: "/signup", service: "enrollment" });
  await createRoute(db, { name: "search", path: "/search", service: "catalog" });
  await publishDraft(db, { author: "test" });
  await deleteRoute(db, "signup"); // still live until the next publish
}, 60_000);
afterAll(async () => {
  await db?.$disconnect();
  await database?.close();
});

const now = new Date(Date.UTC(2026, 10, 24, 12, 0));
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
const avail = (name: string, target: string, kind = "route") => ({ name, target: { kind, name: target }, indicator: { type: "availability" }, objectivePercent: 99.9 });
function rollup(route: string, at: Date, requests: number, errors: number, service = route): RollupRow {
  const latency = emptyHistogram();
  latency[bucketIndex(40)] = requests;
  return { bucket: at, route, service, requests, errors, fallbacks: 0, shed: 0, rateLimited: 0, rejected: 0, latency };
}

describe("SLOs", () => {
  it("saves valid SLOs and refuses invalid ones with field paths", async () => {
    await createSlo(db, avail("exams", "assessments"));
    const error = await createSlo(db, { ...avail("exams", "x"), objectivePercent: 100 }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields).toEqual([{ path: "objectivePercent", message: "must be below 100 (a 100% objective leaves no error budget)" }]);
    expect((await listSlos(db)).map((s) => s.name)).toEqual(["exams"]);
  });

  it("refuses a target that is neither in the draft nor in the live config, at target.name", async () => {
    const error = await createSlo(db, avail("ghost", "nope")).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields).toEqual([{ path: "target.name", message: "refers to route nope, which does not exist" }]);
    const service = await createSlo(db, avail("ghost", "assessments-v2", "service")).catch((e) => e);
    expect(service.fields).toEqual([{ path: "target.name", message: "refers to service assessments-v2, which does not exist" }]);
    // Deleted from the draft but still served by the workers: still measurable.
    await createSlo(db, avail("signup", "signup"));
    await deleteSlo(db, "signup");
    expect((await listSlos(db)).map((s) => s.name)).toEqual(["exams"]);
  });

  it("2,000 requests of which 20 failed: SLI 99%, ten budgets spent, pages at 10x burn over every window", async () => {
    await writeRollups(db, [rollup("assessments", minutesAgo(3), 1000, 10), rollup("assessments", minutesAgo(2), 1000, 10)]);
    const [slo] = await listSlos(db);
    const status = await getSloStatus(db, slo, now);
    expect(status.window).toEqual({ good: 1980, total: 2000 });
    expect(status.budget.sli).toBe(0.99);
    expect(status.budget.spentFraction).toBeCloseTo(10, 9);
    expect(status.burnRates["5m"]).toBeCloseTo(10, 9);
    expect(status.burnRates["3d"]).toBeCloseTo(10, 9);
    expect(status.alert).toBe("page"); // 10x is under 14.4 but over 6 on both the 6h and the 30m window
  });

  it("counts fallbacks as failures unless told otherwise, and latency SLIs by threshold", async () => {
    const latency = emptyHistogram();
    latency[bucketIndex(40)] = 90;
    latency[bucketIndex(400)] = 10;
    await writeRollups(db, [{ bucket: minutesAgo(1), route: "catalog", service: "catalog", requests: 100, errors: 0, fallbacks: 5, shed: 0, rateLimited: 0, rejected: 0, latency }]);
    await createSlo(db, { ...avail("catalog", "catalog", "service"), objectivePercent: 99 });
    const strict = await updateSlo(db, "catalog", { ...avail("catalog", "catalog", "service"), objectivePercent: 99 });
    expect((await getSloStatus(db, strict, now)).window).toEqual({ good: 95, total: 100 });
    const lenient = await updateSlo(db, "catalog", { ...avail("catalog", "catalog", "service"), indicator: { type: "availability", fallbacksCountAsGood: true }, objectivePercent: 99 });
    expect((await getSloStatus(db, lenient, now)).window).toEqual({ good: 100, total: 100 });
    const fast = await updateSlo(db, "catalog", { ...avail("catalog", "catalog", "service"), indicator: { type: "latency", thresholdMs: 300 }, objectivePercent: 95 });
    const s = await getSloStatus(db, fast, now);
    expect(s.window).toEqual({ good: 90, total: 100 });
    expect(s.burnRates["1h"]).toBeCloseTo(2, 9);
  });

  it("counts minutes and compacted hours of the window, and leaves out traffic older than the window", async () => {
    await createSlo(db, { ...avail("enroll", "enrollment", "service"), objectivePercent: 99, windowDays: 28 });
    await writeRollups(db, [rollup("enroll-a", new Date(now.getTime() - 10 * 86_400_000), 500, 5, "enrollment")], 3600);
    await writeRollups(db, [rollup("enroll-b", new Date(now.getTime() - 29 * 86_400_000), 500, 500, "enrollment")], 3600);
    await writeRollups(db, [rollup("enroll-b", minutesAgo(30), 500, 0, "enrollment")]);
    const s = await getSloReport(db, "enroll", now);
    expect(s.window).toEqual({ good: 995, total: 1000 });
    expect(s.budget.spentFraction).toBeCloseTo(0.5, 9);
    expect(s.burnRates["1h"]).toBe(0);
    expect(s.burnRates["5m"]).toBeNull();
    expect(s.recorded).toEqual({ state: "ok", since: null });
  });

  it("lists reports worst first: budget spent before budget left, SLOs without traffic last", async () => {
    await createSlo(db, avail("idle", "search"));
    const reports = (await listSloReports(db, now)).map((r) => [r.name, r.alert, r.window.total]);
    expect(reports).toEqual([
      ["exams", "page", 2000],
      ["catalog", "ticket", 100],
      ["enroll", "ok", 1000],
      ["idle", "ok", 0],
    ]);
  });

  it("gives the SLI and burn rate per bucket over a range, and the burn-down over the whole window", async () => {
    const h = await getSloHistory(db, "exams", { ms: 3_600_000, bucketSeconds: 60 }, now);
    expect(h.points).toHaveLength(60);
    const busy = h.points.filter((p) => p.total > 0);
    expect(busy.map((p) => [now.getTime() - p.t, p.total, p.sli])).toEqual([
      [180_000, 1000, 0.99],
      [120_000, 1000, 0.99],
    ]);
    expect(busy[0].burnRate).toBeCloseTo(10, 9);
    expect(h.points[0].sli).toBeNull();
    expect(h.burnDown.bucketSeconds).toBe(7200);
    expect(h.burnDown.points).toHaveLength(360);
    expect(h.burnDown.points[0].remaining).toBe(1);
    expect(h.burnDown.points.at(-1)!.remaining).toBeCloseTo(-9, 9);
    await expect(getSloHistory(db, "nope", { ms: 3_600_000, bucketSeconds: 60 }, now)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("keeps an SLO's alert history through a rename and drops it with the SLO", async () => {
    await db.sloAlertEvent.create({ data: { sloName: "idle", state: "page", previous: "ok", burnRates: { "1h": 20 }, at: minutesAgo(10) } });
    await db.sloAlertEvent.create({ data: { sloName: "idle", state: "ok", previous: "page", burnRates: { "1h": 0 }, at: minutesAgo(5) } });
    await updateSlo(db, "idle", avail("quiet", "search"));
    expect((await listSloAlerts(db, "quiet")).map((e) => [e.previous, e.state])).toEqual([
      ["page", "ok"],
      ["ok", "page"],
    ]);
    expect((await getSloReport(db, "quiet", now)).recorded.since).toEqual(minutesAgo(5));
    await deleteSlo(db, "quiet");
    expect(await db.sloAlertEvent.count()).toBe(0);
    await expect(listSloAlerts(db, "quiet")).rejects.toBeInstanceOf(NotFoundError);
  });
});
