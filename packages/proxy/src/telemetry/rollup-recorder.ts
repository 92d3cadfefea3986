import { bucketIndex, emptyHistogram } from "@bulwark/slo/histogram";
import type { RollupRow } from "@bulwark/db/traffic";

/** How the gateway ended a request, for the rollups and dashboards. */
export type Outcome = "proxied" | "fallback" | "shed" | "rate_limited" | "rejected";

export interface RollupRecorderOptions {
  /** Writes a batch; may throw (database away), in which case the rows are kept and retried. */
  write(rows: RollupRow[]): Promise<void>;
  /** Rows kept while writes fail; past it the oldest are dropped and counted. */
  maxPendingRows?: number;
  now?: () => number;
}

/**
 * Counts traffic per route and minute in memory; `flush()` hands whole minutes to the database in one batch,
 * off the request path. `record()` is the only hot-path call: a map lookup and a few increments.
 */
export class RollupRecorder {
  private readonly write: RollupRecorderOptions["write"];
  private readonly maxPending: number;
  private readonly now: () => number;
  private minute = -1;
  private current = new Map<string, RollupRow>();
  /** Rows waiting for the database, one per route and minute: a minute counted in several flushes is merged. */
  private pending = new Map<string, RollupRow>();
  private flushing: Promise<void> | null = null;
  /** Rows dropped because the buffer was full while the database was away. */
  dropped = 0;

  constructor(options: RollupRecorderOptions) {
    this.write = options.write;
    this.maxPending = options.maxPendingRows ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  record(route: string, service: string, status: number, outcome: Outcome, latencyMs: number): void {
    const minute = Math.floor(this.now() / 60_000);
    if (minute !== this.minute) this.rollMinute(minute);
    let row = this.current.get(route);
    if (row === undefined) {
      row = { bucket: new Date(minute * 60_000), route, service, requests: 0, errors: 0, fallbacks: 0, shed: 0, rateLimited: 0, rejected: 0, latency: emptyHistogram() };
      this.current.set(route, row);
    }
    row.requests++;
    if (status >= 500) row.errors++;
    if (outcome === "fallback") row.fallbacks++;
    else if (outcome === "shed") row.shed++;
    else if (outcome === "rate_limited") row.rateLimited++;
    else if (outcome === "rejected") row.rejected++;
    row.latency[bucketIndex(latencyMs)]++;
  }

  private rollMinute(minute: number) {
    if (this.current.size) this.enqueue(this.current.values());
    this.current = new Map();
    this.minute = minute;
  }

  private enqueue(rows: Iterable<RollupRow>) {
    for (const row of rows) {
      const key = `${row.route}\u0000${row.bucket.getTime()}`;
      const kept = this.pending.get(key);
      if (kept === undefined) this.pending.set(key, row);
      else mergeRow(kept, row);
    }
    let excess = this.pending.size - this.maxPending;
    for (const key of this.pending.keys()) {
      if (excess-- <= 0) break;
      this.pending.delete(key);
      this.dropped++;
    }
  }

  /** Rows waiting for the database, for metrics. */
  get pendingRows(): number {
    return this.pending.size;
  }

  /**
   * Writes everything counted so far, the running minute included (its later counts add to the same row in the
   * database). On failure the rows stay queued for the next flush.
   */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.current.size) {
      this.enqueue(this.current.values());
      this.current = new Map();
    }
    if (!this.pending.size) return Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.write([...batch.values()])
      .catch((error) => {
        // Back in front of anything counted meanwhile, merged with it where it is the same route and minute.
        const meanwhile = this.pending;
        this.pending = batch;
        this.enqueue(meanwhile.values());
        throw error;
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }
}

function mergeRow(into: RollupRow, from: RollupRow): void {
  into.requests += from.requests;
  into.errors += from.errors;
  into.fallbacks += from.fallbacks;
  into.shed += from.shed;
  into.rateLimited += from.rateLimited;
  into.rejected += from.rejected;
  for (let i = 0; i < into.latency.length; i++) into.latency[i] += from.latency[i];
}
