import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { writeRollups } from "@bulwark/db/traffic";
import { evaluateSloAlerts } from "@/server/slo/evaluate-slo-alerts";
import { bearer, makeToken } from "./auth-helpers";

let database: TestDatabase;
let db: Db;
let slos: typeof import("@/app/api/v1/slos/route");
let slo: typeof import("@/app/api/v1/slos/[name]/route");
let status: typeof import("@/app/api/v1/slos/[name]/status/route");
let history: typeof import("@/app/api/v1/slos/[name]/history/route");
let alerts: typeof import("@/app/api/v1/slos/[name]/alerts/route");
let overview: typeof import("@/app/api/v1/overview/route");

const none = { params: Promise.resolve({}) };
const named = (name: string) => ({ params: Promise.resolve({ name }) });
let auth: Record<string, string> = {};
const req = (method: string, body?: unknown, query = "") =>
  new Request(`http://console.test/api/v1/x${query}`, { method, headers: auth, body: typeof body === "string" ? body : body === undefined ? undefined : JSON.stringify(body) });
const exams = { name: "exams", description: "Exams answer", target: { kind: "route", name: "exams" }, indicator: { type: "availability" }, objectivePercent: 99.9 };

// Handlers read the clock: pin it, so which minute rows fall in the 5-minute window never depends on when the test runs.
const NOW = new Date(Date.UTC(2026, 10, 25, 12, 0, 30));

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  db = createDb(database.url);
  const [services, routes] = await Promise.all([import("@/app/api/v1/services/route"), import("@/app/api/v1/routes/route")]);
  [slos, slo, status, history, alerts, overview] = await Promise.all([
    import("@/app/api/v1/slos/route"),
    import("@/app/api/v1/slos/[name]/route"),
    import("@/app/api/v1/slos/[name]/status/route"),
    import("@/app/api/v1/slos/[name]/history/route"),
    import("@/app/api/v1/slos/[name]/alerts/route"),
    import("@/app/api/v1/overview/route"),
  ]);
  auth = bearer((await makeToken("operator")).token);
  expect((await services.POST(req("POST", { name: "assessments", targets: [{ address: "127.0.0.1:4005" }] }), none)).status).toBe(201);
  expect((await routes.POST(req("POST", { name: "exams", path: "/exams", service: "assessments" }), none)).status).toBe(201);
  vi.useFakeTimers({ toFake: ["Date"], now: NOW });
  // Made at the pinned time, so it is valid at it whatever today's date is.
  auth = bearer((await makeToken("operator")).token);
});
afterAll(async () => {
  vi.useRealTimers();
  const { getDb } = await import("@/server/db");
  await getDb().$disconnect();
  delete (globalThis as { __bulwarkDb?: unknown }).__bulwarkDb;
  await db?.$disconnect();
  await database?.close();
});

describe("SLO API /api/v1/slos", () => {
  it("refuses invalid SLOs with 422 and field paths, and saves nothing", async () => {
    const bad = await slos.POST(req("POST", { ...exams, objectivePercent: 100, windowDays: 7, indicator: { type: "latency", thresholdMs: 123 } }), none);
    expect(bad.status).toBe(422);
    expect((await bad.json()).error).toMatchObject({
      code: "VALIDATION_FAILED",
      fields: expect.arrayContaining([
        { path: "objectivePercent", message: "must be below 100 (a 100% objective leaves no error budget)" },
        { path: "windowDays", message: "must be 28 or 30" },
        { path: "indicator.thresholdMs", message: expect.stringContaining("must be one of 5, 10, 25") },
      ]),
    });
    const ghost = await slos.POST(req("POST", { ...exams, target: { kind: "service", name: "ghost" } }), none);
    expect(ghost.status).toBe(422);
    expect((await ghost.json()).error.fields).toEqual([{ path: "target.name", message: "refers to service ghost, which does not exist" }]);
    expect((await slos.POST(req("POST", "{nope"), none)).status).toBe(400);
    expect(await (await slos.GET(req("GET"), none)).json()).toEqual([]);
  });

  it("creates, reads, renames, refuses a duplicate and deletes", async () => {
    const created = await slos.POST(req("POST", exams), none);
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ ...exams, indicator: { type: "availability", fallbacksCountAsGood: false }, windowDays: 30, webhookUrl: null });
    const dup = await slos.POST(req("POST", exams), none);
    expect(dup.status).toBe(422);
    expect((await dup.json()).error.fields).toEqual([{ path: "name", message: "an SLO named exams already exists" }]);
    expect((await slos.POST(req("POST", { ...exams, name: "exams-fast", indicator: { type: "latency", thresholdMs: 300 }, objectivePercent: 99 }), none)).status).toBe(201);

    const renamed = await slo.PUT(req("PUT", { ...exams, name: "exams-fast-2", indicator: { type: "latency", thresholdMs: 300 }, objectivePercent: 95 }), named("exams-fast"));
    expect(renamed.status).toBe(200);
    expect((await (await slo.GET(req("GET"), named("exams-fast-2"))).json()).objectivePercent).toBe(95);
    expect((await slo.GET(req("GET"), named("exams-fast"))).status).toBe(404);
    expect((await slo.PUT(req("PUT", exams), named("nope"))).status).toBe(404);
    expect((await slo.DELETE(req("DELETE"), named("exams-fast-2"))).status).toBe(204);
    const gone = await slo.DELETE(req("DELETE"), named("exams-fast-2"));
    expect(gone.status).toBe(404);
    expect((await gone.json()).error.code).toBe("NOT_FOUND");
    expect((await (await slos.GET(req("GET"), none)).json()).map((s: { name: string }) => s.name)).toEqual(["exams"]);
  });

  it("2,000 requests of which exactly 20 failed in the last hour: SLI 99%, budget spent 10x, burn rates by window", async () => {
    // 20 minutes of 100 requests: 5 failures in each of the last 2 minutes, 1 in each of the 10 oldest.
    const minute = Math.floor(NOW.getTime() / 60_000) * 60_000;
    await writeRollups(
      db,
      Array.from({ length: 20 }, (_, i) => ({
        bucket: new Date(minute - (i + 1) * 60_000),
        route: "exams",
        service: "assessments",
        requests: 100,
        errors: i < 2 ? 5 : i >= 10 ? 1 : 0,
        fallbacks: 0,
        shed: 0,
        rateLimited: 0,
        rejected: 0,
        latency: [100, ...new Array(18).fill(0)],
      })),
    );
    const res = await status.GET(req("GET"), named("exams"));
    expect(res.status).toBe(200);
    const s = await res.json();
    expect(s).toMatchObject({ name: "exams", evaluatedAt: NOW.toISOString(), window: { good: 1980, total: 2000 }, alert: "page", recorded: { state: "ok", since: null } });
    expect(s.budget.sli).toBe(0.99);
    expect(s.budget.allowedBad).toBeCloseTo(2, 9); // 0.1% of 2,000
    expect(s.budget.spentBad).toBe(20);
    expect(s.budget.spentFraction).toBeCloseTo(10, 9);
    expect(s.budget.remainingFraction).toBeCloseTo(-9, 9);
    // 5m holds the 4 newest minutes: 10 bad of 400 = 2.5% = 25x a 0.1% budget; the longer windows hold all: 1% = 10x.
    expect(s.burnRates["5m"]).toBeCloseTo(25, 9);
    for (const w of ["30m", "1h", "6h", "3d"]) expect(s.burnRates[w]).toBeCloseTo(10, 9);
    // 10x pages through 6h + 30m (over 6) but not through 1h + 5m (1h is under 14.4); the ticket fires too.
    expect(s.firing.map((r: { longWindow: string }) => r.longWindow)).toEqual(["6h", "3d"]);
    expect((await status.GET(req("GET"), named("nope"))).status).toBe(404);
  });

  it("gives history per bucket and the burn-down over the window, and refuses an unknown range", async () => {
    const h = await (await history.GET(req("GET", undefined, "?range=1h"), named("exams"))).json();
    expect(h).toMatchObject({ name: "exams", range: "1h", objectivePercent: 99.9, bucketSeconds: 60 });
    expect(h.points).toHaveLength(60);
    const busy = h.points.filter((p: { total: number }) => p.total > 0);
    expect(busy).toHaveLength(20);
    expect(busy.at(-1)).toMatchObject({ total: 100, good: 95, sli: 0.95 });
    expect(busy.at(-1).burnRate).toBeCloseTo(50, 9);
    expect(h.burnDown.points).toHaveLength(360);
    expect(h.burnDown.points.at(-1).remaining).toBeCloseTo(-9, 9);
    expect((await (await history.GET(req("GET"), named("exams"))).json()).range).toBe("7d");
    const bad = await history.GET(req("GET", undefined, "?range=2h"), named("exams"));
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.fields).toEqual([{ path: "range", message: "must be one of 1h, 6h, 24h, 7d, 30d" }]);
  });

  it("lists alert history after the evaluator records a change, and the overview puts the worst SLO first", async () => {
    expect(await (await alerts.GET(req("GET"), named("exams"))).json()).toEqual([]);
    await evaluateSloAlerts(db, { now: NOW });
    const events = await (await alerts.GET(req("GET"), named("exams"))).json();
    expect(events).toEqual([{ id: expect.any(String), sloName: "exams", state: "page", previous: "ok", burnRates: expect.objectContaining({ "1h": expect.closeTo(10, 9) }), at: NOW.toISOString() }]);
    expect((await (await status.GET(req("GET"), named("exams"))).json()).recorded).toEqual({ state: "page", since: NOW.toISOString() });
    expect((await alerts.GET(req("GET"), named("nope"))).status).toBe(404);

    await slos.POST(req("POST", { ...exams, name: "a-quiet-one", objectivePercent: 99 }), none);
    const all = await (await overview.GET(req("GET"), none)).json();
    expect(all.map((r: { name: string; alert: string }) => [r.name, r.alert])).toEqual([
      ["exams", "page"],
      ["a-quiet-one", "ok"],
    ]);
  });
});
