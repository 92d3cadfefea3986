import { TokenBucket } from "./token-bucket";

/** How many of the oldest buckets an eviction compares. */
const SCAN = 16;

/**
 * A bounded table of token buckets by key. Keys come from clients (addresses, headers, consumers), so the table
 * must forget some; forgetting a bucket resets its client's limit, so a flood of new keys must not be a way to
 * forget an exhausted one. Buckets that could take a request at their last take (`open`) are kept apart from
 * those that could not (`drained`), each in the order they entered it; a take moves a bucket only when it
 * crosses from one to the other, so a take costs a map lookup or two. When full, the table forgets a drained
 * bucket that has since refilled at least as far as the best open one, else the fullest of the oldest open ones
 * (a full one is the same as a fresh one: nothing is lost), and a drained one only when no open bucket is left
 * (every tracked client at its limit at once), then the one nearest to its next token among the oldest.
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
    let inOpen = bucket !== undefined;
    let inDrained = false;
    if (bucket === undefined) {
      bucket = this.drained.get(key);
      inDrained = bucket !== undefined;
    }
    if (bucket === undefined || bucket.capacity !== capacity || bucket.ratePerSec !== ratePerSec) {
      if (bucket === undefined) {
        if (this.size >= this.maxKeys) this.evict();
      } else {
        // A reload changed the limit: the key starts over with a full bucket of the new size.
        (inOpen ? this.open : this.drained).delete(key);
        inOpen = inDrained = false;
      }
      bucket = new TokenBucket(capacity, ratePerSec, this.now);
    }
    const allowed = bucket.tryTake();
    if (bucket.emptied) {
      if (!inDrained) {
        if (inOpen) this.open.delete(key);
        this.drained.set(key, bucket);
      }
    } else if (!inOpen) {
      if (inDrained) this.drained.delete(key);
      this.open.set(key, bucket);
    }
    return { allowed, bucket };
  }

  private evict(): void {
    const open = fullest(this.open);
    const drained = first(this.drained);
    if (drained !== undefined && !drained[1].exhausted && (open === null || drained[1].fill >= open.fill)) this.drained.delete(drained[0]);
    else if (open !== null) this.open.delete(open.key);
    else {
      // Every tracked client is at its limit: forget the one nearest to a token among the oldest.
      const victim = fullest(this.drained);
      if (victim !== null) this.drained.delete(victim.key);
    }
  }
}

/** The fullest of the first few buckets of `map` (the first full one found), or null when it is empty. */
function fullest(map: Map<string, TokenBucket>): { key: string; fill: number } | null {
  let best: { key: string; fill: number } | null = null;
  let n = 0;
  for (const [key, bucket] of map) {
    const fill = bucket.fill;
    if (best === null || fill > best.fill) best = { key, fill };
    if (fill >= 1 || ++n >= SCAN) break;
  }
  return best;
}

function first<K, V>(map: Map<K, V>): [K, V] | undefined {
  return map.size === 0 ? undefined : (map.entries().next().value as [K, V]);
}
