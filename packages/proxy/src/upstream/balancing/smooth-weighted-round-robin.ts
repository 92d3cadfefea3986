/**
 * nginx's smooth weighted round-robin: over any run of sum(weights) picks each target gets exactly its weight,
 * interleaved rather than in bursts. Targets with weight 0 (or refused by `usable`) are skipped.
 */
export class SmoothWeightedRoundRobin {
  private readonly current: Float64Array;

  constructor(private readonly weights: readonly number[]) {
    this.current = new Float64Array(weights.length);
  }

  pick(usable?: (index: number) => boolean): number {
    let total = 0;
    let best = -1;
    for (let i = 0; i < this.weights.length; i++) {
      const w = this.weights[i];
      if (w <= 0 || (usable !== undefined && !usable(i))) continue;
      this.current[i] += w;
      total += w;
      if (best < 0 || this.current[i] > this.current[best]) best = i;
    }
    if (best >= 0) this.current[best] -= total;
    return best;
  }
}
