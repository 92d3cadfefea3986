import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { writeSpans, type SpanRow } from "@bulwark/db/traces";
import { writeRollups, type RollupRow } from "@bulwark/db/traffic";
import { bearer, makeToken } from "./auth-helpers";

let database: TestDatabase;
let db: Db;
let traffic: typeof import("@/app/api/v1/traffic/route");
let traces: typeof import("@/app/api/v1/traces/route");
let trace: typeof import("@/app/api/v1/traces/[traceId]/route");

const none = { params: Promise.resolve({}) };
let auth: Record<string, string> = {};
const get = (query: string) => new Request(`http://console.test/api/v1/x${query}`, { headers: auth });
const NOW = new Date(Date.UTC(2026, 10, 25, 12, 0, 30));
const minute = (k: number) => new Date(Math.floor(NOW.getTime() / 60_000) * 60_000 - k * 60_000);

function rollup(route: string, service: string, bucket: Date, patch: Partial<RollupRow> = {}): RollupRow {
  // 95 answers in the 10-25 ms bucket (index 2), 5 in the 500-750 ms one (index 10), of the 19 fixed buckets.
  const latency = new Array(19).fill(0);
  latency[2] = 95;
  latency[10] = 5;
  return { bucket, route, service, requests: 100, errors: 2, fallbacks: 1, shed: 3, rateLimited: 4, rejected: 0, latency, ...patch };
}

const span = (traceId: string, over: Partial<SpanRow> = {}): SpanRow => ({
  traceId,
  spanId: `${traceId}-root`,
  parentSpanId: null,
  name: "GET exams",
  kind: "server",
  route: "exams",
  service: "assessments",
  target: "127.0.0.1:4005",
  method: "GET",
  path: "/exams/1",
  status: 200,
  errorCode: null,
  outcome: "proxied",
  retries: 0,
  startedAt: new Date(NOW.getTime() - 60_000),
  durationMs: 12,
  attributes: {},
  keptBecause: "sampled",
  ...over,
});

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  db = createDb(database.url);
  [traffic, traces, trace] = await Promise.all([import("@/app/api/v1/traffic/route"), import("@/app/api/v1/traces/route"), import("@/app/api/v1/traces/[traceId]/route")]);
  vi.useFakeTimers({ toFake: ["Date"], now: NOW });
  auth = bearer((await makeToken("operator")).token); // made at the pinned time, so valid at it
});
afterAll(async () => {
  vi.useRealTimers();
  const { getDb } = await import("@/server/db");
  await getDb().$disconnect();
  delete (globalThis as { __bulwarkDb?: unknown }).__bulwarkDb;
  await db?.$disconnect();
  await database?.close();
});

describe("traffic API /api/v1/traffic", () => {
  it("answers a per-minute series for the last hour with rates, error rate, percentiles and totals", async () => {
    await writeRollups(db, [rollup("exams", "assessments", minute(2)), rollup("exams", "assessments", minute(1)), rollup("grades", "assessments", minute(1), { errors: 50 })]);
    const res = await traffic.GET(get("?scope=route&name=exams&range=1h"), none);
    expect(res.status).toBe(200);
    const s = await res.json();
    expect(s).toMatchObject({ range: "1h", scope: { kind: "route", name: "exams" }, bucketSeconds: 60, to: NOW.getTime() });
    expect(s.points).toHaveLength(60);
    const last = s.points.find((p: { t: number }) => p.t === minute(1).getTime());
    expect(last).toMatchObject({ requests: 100, errors: 2, fallbacks: 1, shed: 3, rateLimited: 4, errorRate: 0.02 });
    expect(last.rps).toBeCloseTo(100 / 60, 9);
    expect(last.p50).toBeCloseTo(10 + (15 * 50) / 95, 9); // inside the 10-25 ms bucket
    expect(last.p99).toBeCloseTo(500 + (250 * 4) / 5, 9); // inside the 500-750 ms bucket
    expect(s.points.at(-1)).toMatchObject({ requests: 0, rps: 0, errorRate: null, p95: null });
    expect(s.totals).toMatchObject({ requests: 200, errors: 4, fallbacks: 2, shed: 6, rateLimited: 8, errorRate: 0.02 });
  });

  it("sums a service's routes, and a 30-day range comes in 360 two-hour buckets", async () => {
    const s = await (await traffic.GET(get("?scope=service&name=assessments&range=30d"), none)).json();
    expect(s.bucketSeconds).toBe(7200);
    expect(s.points).toHaveLength(360);
    expect(s.totals).toMatchObject({ requests: 300, errors: 54 });
    const week = await (await traffic.GET(get("?name=exams&range=7d"), none)).json();
    expect([week.scope.kind, week.bucketSeconds, week.points.length]).toEqual(["route", 3600, 168]);
  });

  it("refuses a missing name, an unknown scope and an unknown range with 422 at each parameter", async () => {
    const res = await traffic.GET(get("?scope=host&range=2d"), none);
    expect(res.status).toBe(422);
    expect((await res.json()).error.fields.map((f: { path: string }) => f.path).sort()).toEqual(["name", "range", "scope"]);
  });
});

describe("traces API /api/v1/traces", () => {
  beforeAll(async () => {
    const at = (ms: number) => new Date(NOW.getTime() - 60_000 + ms);
    await writeSpans(db, [
      span("t-ok"),
      span("t-retry", { status: 200, retries: 1, durationMs: 240, startedAt: at(1000), keptBecause: "slow" }),
      span("t-retry", {
        spanId: "t-retry-1",
        parentSpanId: "t-retry-root",
        kind: "client",
        name: "upstream attempt 1",
        status: 502,
        errorCode: "UPSTREAM_CONNECTION_RESET",
        target: "127.0.0.1:4005",
        startedAt: at(1002),
        durationMs: 30,
        attributes: { connectMs: 2, target: "127.0.0.1:4005", status: 502 },
      }),
      span("t-retry", {
        spanId: "t-retry-2",
        parentSpanId: "t-retry-root",
        kind: "client",
        name: "upstream attempt 2",
        target: "127.0.0.1:4006",
        startedAt: at(1060),
        durationMs: 175,
        attributes: { connectMs: 1, firstByteMs: 160, target: "127.0.0.1:4006", status: 200 },
      }),
      span("t-fail", { route: "grades", status: 503, errorCode: "CIRCUIT_OPEN", outcome: "fallback", startedAt: at(2000), durationMs: 1, keptBecause: "error" }),
    ]);
  });

  it("lists traces newest first, filtered by route, status class or exact status, and minimum duration", async () => {
    const ids = async (query: string) => ((await (await traces.GET(get(query), none)).json()) as { traceId: string }[]).map((t) => t.traceId);
    expect(await ids("")).toEqual(["t-fail", "t-retry", "t-ok"]);
    expect(await ids("?route=exams")).toEqual(["t-retry", "t-ok"]);
    expect(await ids("?status=5xx")).toEqual(["t-fail"]);
    expect(await ids("?status=503")).toEqual(["t-fail"]);
    expect(await ids("?minDurationMs=100")).toEqual(["t-retry"]);
    expect(await ids(`?before=${encodeURIComponent(new Date(NOW.getTime() - 60_000 + 1500).toISOString())}`)).toEqual(["t-retry", "t-ok"]);
    expect(await ids("?limit=1")).toEqual(["t-fail"]);
    const [first] = await (await traces.GET(get("?route=exams&minDurationMs=100"), none)).json();
    expect(first).toMatchObject({ traceId: "t-retry", spans: 3, retries: 1, status: 200, keptBecause: "slow", durationMs: 240 });
  });

  it("refuses bad filters with 422 at the parameter", async () => {
    const res = await traces.GET(get("?status=ok&minDurationMs=-5&limit=9999"), none);
    expect(res.status).toBe(422);
    expect((await res.json()).error.fields.map((f: { path: string }) => f.path).sort()).toEqual(["limit", "minDurationMs", "status"]);
  });

  it("answers one trace with all its spans in start order, and 404 for a trace it did not keep", async () => {
    const res = await trace.GET(get(""), { params: Promise.resolve({ traceId: "t-retry" }) });
    expect(res.status).toBe(200);
    const t = await res.json();
    expect(t.traceId).toBe("t-retry");
    expect(t.spans.map((s: SpanRow) => [s.spanId, s.kind, s.status])).toEqual([
      ["t-retry-root", "server", 200],
      ["t-retry-1", "client", 502],
      ["t-retry-2", "client", 200],
    ]);
    expect(t.spans[2].attributes).toEqual({ connectMs: 1, firstByteMs: 160, target: "127.0.0.1:4006", status: 200 });
    const missing = await trace.GET(get(""), { params: Promise.resolve({ traceId: "nope" }) });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("NOT_FOUND");
  });
});
