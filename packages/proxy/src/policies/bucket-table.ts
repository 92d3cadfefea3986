import { TokenBucket } from "./token-bucket";

/** How many of the oldest drained buckets an eviction looks at when every bucket it knows of is drained. */
const SCAN = 16;

/**
 * A bounded table of token buckets by key. Keys come from clients (addresses, headers, consumers), so the table
 * must forget some; forgetting a bucket resets its client's limit, so a flood of new keys must not be a way to
 * forget an exhausted one. Buckets that could take a request at their last take are kept apart from those that
 * could not (`drained`), each in least-recently-used order (a Map re-inserted on use), and the table forgets:
 * a drained bucket that has refilled at least as far as the oldest open one, else the oldest open bucket (the one
 * that had longest to refill: most likely full, so its loss is nothing), and a drained one only when no open
 * bucket is left (every tracked client at its limit at once), then the one nearest to its next token among the
 * oldest few. O(1) per take.
 */
export class BucketTable {
  private readonly open = new Map<string, TokenBucket>();
  private readonly drained = new Map<string, TokenBucket>();

  constructor(
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.open.size + this.drained.size;
  }

  /** Takes a token from `key`'s bucket, made full when new or when its limit changed; returns the bucket and whether it gave one. */
  take(key: string, capacity: number, ratePerSec: number): { allowed: boolean; bucket: TokenBucket } {
    let bucket = this.open.get(key);
    if (bucket !== undefined) this.open.delete(key);
    else {
      bucket = this.drained.get(key);
      if (bucket !== undefined) this.drained.delete(key);
    }
    if (bucket === undefined || bucket.capacity !== capacity || bucket.ratePerSec !== ratePerSec) {
      if (bucket === undefined && this.size >= this.maxKeys) this.evict();
      bucket = new TokenBucket(capacity, ratePerSec, this.now);
    }
    const allowed = bucket.tryTake();
    (bucket.exhausted ? this.drained : this.open).set(key, bucket);
    return { allowed, bucket };
  }

  private evict(): void {
    const open = first(this.open);
    const drained = first(this.drained);
    if (drained !== undefined && !drained[1].exhausted && (open === undefined || drained[1].fill >= open[1].fill)) {
      this.drained.delete(drained[0]);
    } else if (open !== undefined) {
      this.open.delete(open[0]);
    } else if (drained !== undefined) {
      // Every tracked client is at its limit: forget the one nearest to a token among the oldest few.
      let victim = drained[0];
      let best = -1;
      let n = 0;
      for (const [key, bucket] of this.drained) {
        const fill = bucket.fill;
        if (fill > best) {
          best = fill;
          victim = key;
        }
        if (++n >= SCAN) break;
      }
      this.drained.delete(victim);
    }
  }
}

function first<K, V>(map: Map<K, V>): [K, V] | undefined {
  return map.size === 0 ? undefined : (map.entries().next().value as [K, V]);
}
