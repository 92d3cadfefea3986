import { describe, expect, it } from "vitest";
import { budgetBurnDown, errorBudget } from "./error-budget";

describe("error-budget burn-down", () => {
  it("spends the window's budget bucket by bucket: 4,000 requests at 99.5% allow 20 bad, 5 then 10 then 0 spend 25% then 75%", () => {
    const buckets = [
      { good: 995, total: 1000 },
      { good: 990, total: 1000 },
      { good: 1000, total: 1000 },
      { good: 1000, total: 1000 },
    ];
    const curve = budgetBurnDown(0.995, buckets);
    expect(curve.map((v) => Number(v.toFixed(10)))).toEqual([0.75, 0.25, 0.25, 0.25]);
    expect(curve.at(-1)).toBeCloseTo(errorBudget(0.995, { good: 3985, total: 4000 }).remainingFraction, 10);
  });
  it("goes below zero once the SLO is broken, and stays flat at 1 without traffic", () => {
    expect(
      budgetBurnDown(0.99, [
        { good: 0, total: 10 },
        { good: 990, total: 990 },
      ]).map((v) => Number(v.toFixed(10))),
    ).toEqual([0, 0]);
    expect(budgetBurnDown(0.99, [{ good: 50, total: 100 }]).map((v) => Number(v.toFixed(10)))).toEqual([-49]);
    expect(
      budgetBurnDown(0.999, [
        { good: 0, total: 0 },
        { good: 0, total: 0 },
      ]),
    ).toEqual([1, 1]);
    expect(budgetBurnDown(0.999, [])).toEqual([]);
  });
});
