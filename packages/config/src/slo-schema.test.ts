import { describe, expect, it } from "vitest";
import { formatIssues } from "./format-issues";
import { SloHistoryQuerySchema, SloSchema, TIME_RANGES, TraceQuerySchema, TrafficQuerySchema } from "./slo-schema";

const slo = { name: "exam-submissions", target: { kind: "route", name: "assessments" }, indicator: { type: "availability" }, objectivePercent: 99.9 };

describe("SLO schema", () => {
  it("fills defaults: 30-day window, fallbacks count as failures, no webhook", () => {
    expect(SloSchema.parse(slo)).toEqual({ ...slo, description: "", windowDays: 30, webhookUrl: null, indicator: { type: "availability", fallbacksCountAsGood: false } });
  });
  it("accepts a latency SLI whose threshold is a histogram bound", () => {
    expect(SloSchema.safeParse({ ...slo, indicator: { type: "latency", thresholdMs: 300 }, windowDays: 28 }).success).toBe(true);
  });
  it.each([
    [{ objectivePercent: 100 }, "objectivePercent", "must be below 100 (a 100% objective leaves no error budget)"],
    [{ objectivePercent: 99.9999 }, "objectivePercent", "may have at most three decimals"],
    [{ windowDays: 7 }, "windowDays", "must be 28 or 30"],
    [{ indicator: { type: "latency", thresholdMs: 123 } }, "indicator.thresholdMs", expect.stringContaining("must be one of 5, 10")],
    [{ indicator: { type: "errors" } }, "indicator.type", expect.stringContaining("availability or latency")],
    [{ target: { kind: "host", name: "x" } }, "target.kind", "must be service or route"],
    [{ webhookUrl: "ftp://x" }, "webhookUrl", "must be an http(s) URL"],
  ])("refuses %j at %s", (patch, path, message) => {
    const r = SloSchema.safeParse({ ...slo, ...patch });
    expect(r.success).toBe(false);
    expect(formatIssues(r.error!)).toContainEqual({ path, message });
  });
});

describe("dashboard queries", () => {
  it("defaults the traffic range and scope, and keeps every range under 400 points", () => {
    expect(TrafficQuerySchema.parse({ name: "courses" })).toEqual({ scope: "route", name: "courses", range: "1h" });
    for (const r of Object.values(TIME_RANGES)) expect(r.ms / 1000 / r.bucketSeconds).toBeLessThanOrEqual(400);
  });
  it("refuses an unknown range and a missing name with field paths", () => {
    const r = TrafficQuerySchema.safeParse({ range: "2h", scope: "host" });
    expect(
      formatIssues(r.error!)
        .map((f) => f.path)
        .sort(),
    ).toEqual(["name", "range", "scope"]);
    expect(SloHistoryQuerySchema.safeParse({ range: "1y" }).success).toBe(false);
  });
});

describe("trace list query", () => {
  it("reads status classes, exact statuses, durations and dates from query strings", () => {
    expect(TraceQuerySchema.parse({ status: "5xx", minDurationMs: "250", before: "2026-11-25T10:00:00Z", limit: "20" })).toEqual({
      status: "5xx",
      minDurationMs: 250,
      before: new Date("2026-11-25T10:00:00Z"),
      limit: 20,
    });
    expect(TraceQuerySchema.parse({ status: "502" })).toEqual({ status: 502, limit: 50 });
  });
  it("refuses nonsense at the parameter's name", () => {
    const r = TraceQuerySchema.safeParse({ status: "oops", minDurationMs: "fast", before: "yesterday", limit: "0" });
    expect(
      formatIssues(r.error!)
        .map((f) => f.path)
        .sort(),
    ).toEqual(["before", "limit", "minDurationMs", "status"]);
  });
});
