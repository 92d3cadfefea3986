/**
 * Latency histograms with fixed bucket bounds, so histograms from many workers and many minutes merge by
 * adding counts. counts[i] holds answers with latency <= BOUNDS_MS[i] (and > the bound before it); the last
 * count holds everything above the last bound.
 */
export const LATENCY_BOUNDS_MS = [5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000] as const;

export type LatencyCounts = number[];

export function emptyHistogram(): LatencyCounts {
  return new Array(LATENCY_BOUNDS_MS.length + 1).fill(0);
}

export function bucketIndex(latencyMs: number): number {
  let lo = 0;
  let hi: number = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (latencyMs <= LATENCY_BOUNDS_MS[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function mergeHistograms(into: LatencyCounts, from: LatencyCounts): LatencyCounts {
  if (into.length !== from.length) throw new RangeError("histograms have different bucket bounds");
  for (let i = 0; i < from.length; i++) into[i] += from[i];
  return into;
}

/**
 * Estimated p-th percentile (0..100), interpolating linearly inside the bucket it falls in (as Prometheus's
 * histogram_quantile does). Null without data; answers above the last bound report that bound.
 */
export function histogramPercentile(counts: LatencyCounts, p: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = (p / 100) * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    if (seen + counts[i] >= rank) {
      if (i === LATENCY_BOUNDS_MS.length) return LATENCY_BOUNDS_MS[i - 1];
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
      const upper = LATENCY_BOUNDS_MS[i];
      return lower + ((upper - lower) * (rank - seen)) / counts[i];
    }
    seen += counts[i];
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}

/** Answers at or under thresholdMs, which must be one of the bucket bounds so the count is exact. */
export function countAtOrUnder(counts: LatencyCounts, thresholdMs: number): number {
  const index = LATENCY_BOUNDS_MS.indexOf(thresholdMs as (typeof LATENCY_BOUNDS_MS)[number]);
  if (index < 0) throw new RangeError(`latency threshold must be one of ${LATENCY_BOUNDS_MS.join(", ")} ms`);
  let n = 0;
  for (let i = 0; i <= index; i++) n += counts[i];
  return n;
}
