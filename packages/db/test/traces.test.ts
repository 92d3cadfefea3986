import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../src/client";
import { getTrace, listTraces, pruneSpans, writeSpans, type SpanRow } from "../src/traces";
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
  startedAt: new Date("2026-11-25T10:00:00Z"),
  durationMs: 12,
  attributes: {},
  keptBecause: "sampled",
  ...over,
});

describe("trace store", () => {
  it("lists traces newest first, filtered by route, status class and minimum duration, with their span counts", async () => {
    await writeSpans(db, [
      span("a"),
      span("b", { status: 502, errorCode: "UPSTREAM_CONNECTION_REFUSED", keptBecause: "error", startedAt: new Date("2026-11-25T10:01:00Z"), retries: 1 }),
      span("b", { spanId: "b-try1", parentSpanId: "b-root", kind: "client", name: "upstream attempt 1", status: 502, startedAt: new Date("2026-11-25T10:01:00Z") }),
      span("b", { spanId: "b-try2", parentSpanId: "b-root", kind: "client", name: "upstream attempt 2", status: 502, startedAt: new Date("2026-11-25T10:01:00.050Z") }),
      span("c", { route: "catalog", durationMs: 900, keptBecause: "slow", startedAt: new Date("2026-11-25T10:02:00Z") }),
    ]);
    await writeSpans(db, [span("a")]); // a retried batch does not duplicate
    expect((await listTraces(db)).map((t) => [t.traceId, t.spans])).toEqual([
      ["c", 1],
      ["b", 3],
      ["a", 1],
    ]);
    expect((await listTraces(db, { route: "exams" })).map((t) => t.traceId)).toEqual(["b", "a"]);
    expect((await listTraces(db, { status: "5xx" })).map((t) => t.traceId)).toEqual(["b"]);
    expect((await listTraces(db, { minDurationMs: 500 })).map((t) => t.traceId)).toEqual(["c"]);
    expect((await getTrace(db, "b")).map((s) => s.spanId)).toEqual(["b-root", "b-try1", "b-try2"]);
    expect(await getTrace(db, "nope")).toEqual([]);
  });

  it("prunes spans older than the retention period", async () => {
    expect(await pruneSpans(db, new Date("2026-11-25T10:01:30Z"))).toBe(4);
    expect((await listTraces(db)).map((t) => t.traceId)).toEqual(["c"]);
  });
});
