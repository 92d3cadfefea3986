/** Counts of one SLI over some window: `good` events out of `total` valid ones. */
export interface SliCounts {
  good: number;
  total: number;
}

export interface ErrorBudget {
  /** good / total, or null when there was no traffic (no traffic spends no budget). */
  sli: number | null;
  /** Bad events the objective allows over the window for the traffic seen. */
  allowedBad: number;
  spentBad: number;
  /** Share of the budget spent: 1 means exactly used up, above 1 means the SLO is broken. */
  spentFraction: number;
  remainingFraction: number;
}

function checkObjective(objective: number) {
  if (!(objective > 0 && objective < 1)) throw new RangeError(`objective must be between 0 and 1 (exclusive), got ${objective}`);
}

export function sli(counts: SliCounts): number | null {
  return counts.total > 0 ? counts.good / counts.total : null;
}

/** The error budget of an SLO with `objective` (e.g. 0.999) given the window's counts. */
export function errorBudget(objective: number, counts: SliCounts): ErrorBudget {
  checkObjective(objective);
  const spentBad = counts.total - counts.good;
  const allowedBad = (1 - objective) * counts.total;
  const spentFraction = counts.total > 0 ? spentBad / allowedBad : 0;
  return { sli: sli(counts), allowedBad, spentBad, spentFraction, remainingFraction: 1 - spentFraction };
}

/**
 * How fast budget burns: the bad share over a window divided by the share the objective allows. A burn rate of
 * 1 spends the whole budget in exactly one SLO window.
 */
export function burnRate(objective: number, counts: SliCounts): number | null {
  checkObjective(objective);
  if (counts.total <= 0) return null;
  return (counts.total - counts.good) / counts.total / (1 - objective);
}

/** Share of a window's budget spent by burning at `rate` for `durationMs` (SRE workbook: 14.4 for 1 h of 30 d = 2%). */
export function budgetSpentByBurn(rate: number, durationMs: number, sloWindowMs: number): number {
  return (rate * durationMs) / sloWindowMs;
}

/**
 * The error-budget burn-down over an SLO window: the share of the window's budget left after each bucket, in order.
 * The budget is the bad events the objective allows for all the window's traffic, so the curve only goes down and
 * its last point equals `errorBudget(objective, whole window).remainingFraction`. Without traffic nothing is spent.
 */
export function budgetBurnDown(objective: number, buckets: readonly SliCounts[]): number[] {
  checkObjective(objective);
  const total = buckets.reduce((n, b) => n + b.total, 0);
  const allowedBad = (1 - objective) * total;
  let bad = 0;
  return buckets.map((b) => {
    bad += b.total - b.good;
    return total > 0 ? 1 - bad / allowedBad : 1;
  });
}
