/**
 * Peak EWMA latency per target (Finagle's and Linkerd's load metric): a moving average that jumps up at once on
 * a slow answer and decays slowly, multiplied by the requests in flight, so a degrading target loses traffic
 * before it fails outright.
 */
export class PeakEwma {
  private cost: number;
  private stamp: number;
  outstanding = 0;

  constructor(
    private readonly decayMs = 10_000,
    private readonly now: () => number = Date.now,
    initialMs = 1,
  ) {
    this.cost = initialMs;
    this.stamp = now();
  }

  observe(latencyMs: number): void {
    const t = this.now();
    const elapsed = Math.max(0, t - this.stamp);
    this.stamp = t;
    if (latencyMs > this.cost) this.cost = latencyMs;
    else {
      const w = Math.exp(-elapsed / this.decayMs);
      this.cost = this.cost * w + latencyMs * (1 - w);
    }
  }

  /** Lower is better. */
  load(): number {
    return this.cost * (this.outstanding + 1);
  }
}

/** Power of two choices: of two random candidates, the one with the lower load. */
export function pickTwoChoices<T>(candidates: readonly T[], load: (t: T) => number, random: () => number = Math.random): T | undefined {
  if (candidates.length <= 1) return candidates[0];
  const a = Math.floor(random() * candidates.length);
  let b = Math.floor(random() * (candidates.length - 1));
  if (b >= a) b++;
  return load(candidates[a]) <= load(candidates[b]) ? candidates[a] : candidates[b];
}
