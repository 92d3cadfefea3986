import { describe, expect, it } from "vitest";
import { budgetSpentByBurn, burnRate, errorBudget } from "./error-budget";
import { BURN_WINDOW_MS, evaluateBurnRateAlerts } from "./burn-rate-alerts";
import { bucketIndex, countAtOrUnder, emptyHistogram, histogramPercentile, mergeHistograms } from "./latency-histogram";

const DAY = 24 * 60 * 60_000;

describe("error budget", () => {
  it("2,000 requests of which 20 failed against 99.9%: SLI 99%, budget spent ten times over", () => {
    const b = errorBudget(0.999, { good: 1980, total: 2000 });
    expect(b.sli).toBe(0.99);
    expect(b.allowedBad).toBeCloseTo(2, 10);
    expect(b.spentBad).toBe(20);
    expect(b.spentFraction).toBeCloseTo(10, 10);
    expect(b.remainingFraction).toBeCloseTo(-9, 10);
  });
  it("1,000,000 requests, 250 failed against 99.95%: half the budget spent", () => {
    const b = errorBudget(0.9995, { good: 999_750, total: 1_000_000 });
    expect(b.spentFraction).toBeCloseTo(0.5, 10);
    expect(b.remainingFraction).toBeCloseTo(0.5, 10);
  });
  it("no traffic spends nothing", () => {
    expect(errorBudget(0.99, { good: 0, total: 0 })).toMatchObject({ sli: null, spentFraction: 0, remainingFraction: 1 });
  });
  it("refuses objectives outside (0, 1)", () => {
    expect(() => errorBudget(1, { good: 1, total: 1 })).toThrow(RangeError);
    expect(() => burnRate(0, { good: 1, total: 1 })).toThrow(RangeError);
  });
});

describe("burn rate", () => {
  it("is the bad share over the allowed share", () => {
    expect(burnRate(0.999, { good: 9856, total: 10_000 })).toBeCloseTo(14.4, 10);
    expect(burnRate(0.99, { good: 0, total: 100 })).toBeCloseTo(100, 10);
    expect(burnRate(0.99, { good: 0, total: 0 })).toBeNull();
  });
  it("SRE workbook: 14.4x for one hour spends 2% of a 30-day budget, 6x for 6 hours 5%, 1x for 3 days 10%", () => {
    expect(budgetSpentByBurn(14.4, BURN_WINDOW_MS["1h"], 30 * DAY)).toBeCloseTo(0.02, 10);
    expect(budgetSpentByBurn(6, BURN_WINDOW_MS["6h"], 30 * DAY)).toBeCloseTo(0.05, 10);
    expect(budgetSpentByBurn(1, BURN_WINDOW_MS["3d"], 30 * DAY)).toBeCloseTo(0.1, 10);
  });
});

describe("multi-window, multi-burn-rate alerts", () => {
  it("pages only when both the long and the short window burn fast", () => {
    expect(evaluateBurnRateAlerts({ "1h": 15, "5m": 20 }).state).toBe("page");
    expect(evaluateBurnRateAlerts({ "1h": 15, "5m": 2 }).state).toBe("ok");
    expect(evaluateBurnRateAlerts({ "6h": 6, "30m": 7 }).state).toBe("page");
  });
  it("files a ticket for a slow steady burn, and the page wins over the ticket", () => {
    expect(evaluateBurnRateAlerts({ "3d": 1.2, "6h": 1.5 })).toMatchObject({ state: "ticket", firing: [{ severity: "ticket" }] });
    expect(evaluateBurnRateAlerts({ "1h": 20, "5m": 20, "6h": 7, "30m": 7, "3d": 2 }).state).toBe("page");
  });
  it("never fires on a window without traffic", () => {
    expect(evaluateBurnRateAlerts({ "1h": null, "5m": 50 }).state).toBe("ok");
  });
});

describe("latency histogram", () => {
  it("puts each latency in the first bucket whose bound holds it", () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(5)).toBe(0);
    expect(bucketIndex(5.1)).toBe(1);
    expect(bucketIndex(30_001)).toBe(18);
  });
  it("merges across workers and estimates percentiles within a bucket", () => {
    const a = emptyHistogram();
    const b = emptyHistogram();
    for (let i = 0; i < 90; i++) a[bucketIndex(8)]++;
    for (let i = 0; i < 10; i++) b[bucketIndex(180)]++;
    const m = mergeHistograms(a, b);
    expect(histogramPercentile(m, 50)).toBeCloseTo(5 + (5 * 50) / 90, 10);
    expect(histogramPercentile(m, 95)).toBeCloseTo(150 + 50 * 0.5, 10);
    expect(countAtOrUnder(m, 100)).toBe(90);
    expect(() => countAtOrUnder(m, 123)).toThrow(RangeError);
    expect(histogramPercentile(emptyHistogram(), 99)).toBeNull();
  });
});
