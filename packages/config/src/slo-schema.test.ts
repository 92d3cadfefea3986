import { describe, expect, it } from "vitest";
import { formatIssues } from "./format-issues";
import { SloSchema } from "./slo-schema";

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
