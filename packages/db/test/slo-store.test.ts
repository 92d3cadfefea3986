import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketIndex, emptyHistogram } from "@bulwark/slo/histogram";
import { createDb, type Db } from "../src/client";
import { ValidationError } from "../src/errors";
import { createSlo, getSloStatus, listSlos, updateSlo } from "../src/slo-store";
import { writeRollups } from "../src/traffic-rollups";
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

const now = new Date(Date.UTC(2026, 10, 24, 12, 0));
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

describe("SLOs", () => {
  it("saves valid SLOs and refuses invalid ones with field paths", async () => {
    await createSlo(db, { name: "exams", target: { kind: "route", name: "assessments" }, indicator: { type: "availability" }, objectivePercent: 99.9 });
    const error = await createSlo(db, { name: "exams", target: { kind: "route", name: "x" }, indicator: { type: "availability" }, objectivePercent: 100 }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields).toEqual([{ path: "objectivePercent", message: "must be below 100 (a 100% objective leaves no error budget)" }]);
    expect((await listSlos(db)).map((s) => s.name)).toEqual(["exams"]);
  });

  it("2,000 requests of which 20 failed: SLI 99%, ten budgets spent, pages at 10x burn over every window", async () => {
    const latency = emptyHistogram();
    latency[bucketIndex(40)] = 1000;
    await writeRollups(db, [
      { bucket: minutesAgo(3), route: "assessments", service: "assessments", requests: 1000, errors: 10, fallbacks: 0, shed: 0, rateLimited: 0, rejected: 0, latency },
      { bucket: minutesAgo(2), route: "assessments", service: "assessments", requests: 1000, errors: 10, fallbacks: 0, shed: 0, rateLimited: 0, rejected: 0, latency },
    ]);
    const [slo] = await listSlos(db);
    const status = await getSloStatus(db, slo, now);
    expect(status.window).toEqual({ good: 1980, total: 2000 });
    expect(status.budget.sli).toBe(0.99);
    expect(status.budget.spentFraction).toBeCloseTo(10, 9);
    expect(status.burnRates["5m"]).toBeCloseTo(10, 9);
    expect(status.burnRates["3d"]).toBeCloseTo(10, 9);
    expect(status.alert).toBe("page");
  });

  it("counts fallbacks as failures unless told otherwise, and latency SLIs by threshold", async () => {
    const latency = emptyHistogram();
    latency[bucketIndex(40)] = 90;
    latency[bucketIndex(400)] = 10;
    await writeRollups(db, [{ bucket: minutesAgo(1), route: "catalog", service: "catalog", requests: 100, errors: 0, fallbacks: 5, shed: 0, rateLimited: 0, rejected: 0, latency }]);
    await createSlo(db, { name: "catalog", target: { kind: "service", name: "catalog" }, indicator: { type: "availability" }, objectivePercent: 99 });
    expect((await getSloStatus(db, await updateSlo(db, "catalog", { name: "catalog", target: { kind: "service", name: "catalog" }, indicator: { type: "availability" }, objectivePercent: 99 }), now)).window).toEqual({ good: 95, total: 100 });
    const lenient = await updateSlo(db, "catalog", { name: "catalog", target: { kind: "service", name: "catalog" }, indicator: { type: "availability", fallbacksCountAsGood: true }, objectivePercent: 99 });
    expect((await getSloStatus(db, lenient, now)).window).toEqual({ good: 100, total: 100 });
    const fast = await updateSlo(db, "catalog", { name: "catalog", target: { kind: "service", name: "catalog" }, indicator: { type: "latency", thresholdMs: 300 }, objectivePercent: 95 });
    const s = await getSloStatus(db, fast, now);
    expect(s.window).toEqual({ good: 90, total: 100 });
    expect(s.burnRates["1h"]).toBeCloseTo(2, 9);
  });
});
