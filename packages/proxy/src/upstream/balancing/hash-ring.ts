import { createHash } from "node:crypto";

/**
 * Consistent hashing (a ring with virtual nodes per unit of weight, as in Envoy's ring hash): the same key goes
 * to the same target while it is available, and removing a target moves only that target's keys.
 */
export class HashRing<T> {
  private readonly points: Uint32Array;
  private readonly owners: number[];

  constructor(
    private readonly targets: readonly T[],
    weights: readonly number[],
    id: (t: T) => string,
    replicasPerWeight = 1.6,
  ) {
    const entries: [number, number][] = [];
    targets.forEach((t, i) => {
      const replicas = Math.max(1, Math.round(weights[i] * replicasPerWeight));
      for (let r = 0; r < replicas; r++) entries.push([hash32(`${id(t)}#${r}`), i]);
    });
    entries.sort((a, b) => a[0] - b[0]);
    this.points = Uint32Array.from(entries.map((e) => e[0]));
    this.owners = entries.map((e) => e[1]);
  }

  /** The first target at or after the key's point that `usable` accepts. */
  pick(key: string, usable: (t: T) => boolean = () => true): T | undefined {
    const n = this.points.length;
    if (!n) return undefined;
    const h = hash32(key);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    for (let k = 0; k < n; k++) {
      const t = this.targets[this.owners[(lo + k) % n]];
      if (usable(t)) return t;
    }
    return undefined;
  }
}

function hash32(s: string): number {
  return createHash("md5").update(s).digest().readUInt32BE(0);
}
