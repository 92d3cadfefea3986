import { bucketIndex, emptyHistogram } from "@bulwark/slo/histogram";
import type { RollupRow } from "@bulwark/db/traffic";
import { isRejectedData, TelemetryDrops } from "./telemetry-drops";

/** How the gateway ended a request, for the rollups and dashboards. */
export type Outcome = "proxied" | "fallback" | "shed" | "rate_limited" | "rejected";

/** Bounds of the rollup rows waiting for PostgreSQL and of one write (see docs/telemetry.md). */
const ROLLUP_LIMITS = {
  maxPendingRows: 50_000,
  maxPendingBytes: 16 * 1024 * 1024,
  /** 11 bind parameters a row: 1,000 rows stay far below PostgreSQL's 65,535 parameters a statement. */
  batchRows: 1_000,
} as const;

/** A row's estimated memory besides its names: the object, its Date, counters and latency histogram. */
const ROW_OVERHEAD_BYTES = 120 + emptyHistogram().length * 8;
const rowBytes = (r: RollupRow) => ROW_OVERHEAD_BYTES + r.route.length + r.service.length;
const keyOf = (r: RollupRow) => `${r.route}\u0000${r.bucket.getTime()}`;

export interface RollupRecorderOptions {
  /** Writes a batch; may throw (database away), in which case the rows are kept and retried. */
  write(rows: RollupRow[]): Promise<void>;
  /** Rows kept while writes fail, in count and estimated bytes; past either, the oldest are dropped and counted. */
  maxPendingRows?: number;
  maxPendingBytes?: number;
  /** Rows in one write. */
  batchRows?: number;
  drops?: TelemetryDrops;
  now?: () => number;
}

/**
 * Counts traffic per route and minute in memory; `flush()` hands whole minutes to the database in batches,
 * off the request path. `record()` is the only hot-path call: a map lookup and a few increments. Rows are keyed
 * by the configured route name (never by path), so what waits is bounded by routes x minutes, and by the bounds
 * above. When they are reached the OLDEST minutes are dropped: SLO burn-rate alerts read the latest windows.
 */
export class RollupRecorder {
  private readonly write: RollupRecorderOptions["write"];
  private readonly maxRows: number;
  private readonly maxBytes: number;
  private readonly batchRows: number;
  private readonly now: () => number;
  private minute = -1;
  private current = new Map<string, RollupRow>();
  /** Rows waiting for the database, one per route and minute: a minute counted in several flushes is merged. */
  private pending = new Map<string, RollupRow>();
  private pendingBytes = 0;
  /** Rows of the flush in flight, not yet written: they count against the bounds too. */
  private inFlightRows = 0;
  private inFlightBytes = 0;
  private flushing: Promise<void> | null = null;
  readonly drops: TelemetryDrops;

  constructor(options: RollupRecorderOptions) {
    this.write = options.write;
    this.maxRows = options.maxPendingRows ?? ROLLUP_LIMITS.maxPendingRows;
    this.maxBytes = options.maxPendingBytes ?? ROLLUP_LIMITS.maxPendingBytes;
    this.batchRows = options.batchRows ?? ROLLUP_LIMITS.batchRows;
    this.drops = options.drops ?? new TelemetryDrops();
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
      const key = keyOf(row);
      const kept = this.pending.get(key);
      if (kept === undefined) {
        this.pending.set(key, row);
        this.pendingBytes += rowBytes(row);
      } else mergeRow(kept, row);
    }
    let dropped = 0;
    for (const [key, row] of this.pending) {
      if (this.pending.size + this.inFlightRows <= this.maxRows && this.pendingBytes + this.inFlightBytes <= this.maxBytes) break;
      this.pending.delete(key);
      this.pendingBytes -= rowBytes(row);
      dropped++;
    }
    this.drops.add("rollup", "buffer_full", dropped);
  }

  /** Rows waiting for the database (the flush in flight included), for metrics. */
  get pendingRows(): number {
    return this.pending.size + this.inFlightRows;
  }

  /** Their estimated size in bytes. */
  get pendingBytesTotal(): number {
    return this.pendingBytes + this.inFlightBytes;
  }

  /** Rows dropped so far (a full buffer, or refused by PostgreSQL). */
  get dropped(): number {
    return this.drops.of("rollup");
  }

  /**
   * Writes everything counted so far, the running minute included (its later counts add to the same row in the
   * database), in batches of `batchRows`, one at a time; a flush while one runs joins it. On failure the rows not
   * yet written stay queued for the next flush.
   */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.current.size) {
      this.enqueue(this.current.values());
      this.current = new Map();
    }
    if (!this.pending.size) return Promise.resolve();
    const rows = [...this.pending.values()];
    this.pending = new Map();
    this.inFlightRows = rows.length;
    this.inFlightBytes = this.pendingBytes;
    this.pendingBytes = 0;
    this.flushing = this.writeAll(rows).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async writeAll(rows: RollupRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += this.batchRows) {
      const batch = rows.slice(i, i + this.batchRows);
      try {
        await this.write(batch);
      } catch (error) {
        if (isRejectedData(error)) {
          this.drops.add("rollup", "rejected", batch.length);
        } else {
          this.requeue(rows.slice(i));
          throw error;
        }
      }
      for (const r of batch) this.inFlightBytes -= rowBytes(r);
      this.inFlightRows -= batch.length;
    }
  }

  /** Back in front of anything counted meanwhile, merged with it where it is the same route and minute. */
  private requeue(unwritten: RollupRow[]): void {
    const meanwhile = this.pending;
    this.pending = new Map(unwritten.map((r) => [keyOf(r), r]));
    this.pendingBytes = this.inFlightBytes;
    this.inFlightRows = 0;
    this.inFlightBytes = 0;
    this.enqueue(meanwhile.values());
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
