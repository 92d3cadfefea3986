import type { Logger } from "pino";
import type { MetricValue } from "./metric-value";

/** What telemetry a worker can lose: spans, traffic rollup rows. */
export type TelemetryKind = "span" | "rollup";
/**
 * Why: the buffer was at its bound (the database away or too slow), or PostgreSQL refused the data itself (a
 * data error: retrying the same rows could only fail again).
 */
export type DropReason = "buffer_full" | "rejected";

/** How often, at most, a worker says in its log that it dropped telemetry. */
const DROP_LOG_EVERY_MS = 30_000;

/**
 * Counts the telemetry a worker dropped, for `bulwark_telemetry_dropped_total{kind, reason}`, and says so in the
 * log at most once per interval, however many are dropped: a flood must not also flood the log.
 */
export class TelemetryDrops {
  private readonly counts = new Map<string, { kind: TelemetryKind; reason: DropReason; value: number }>();
  private loggedTotal = 0;
  private total = 0;
  private lastLog = -Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  add(kind: TelemetryKind, reason: DropReason, count: number): void {
    if (count <= 0) return;
    const key = `${kind}/${reason}`;
    let c = this.counts.get(key);
    if (c === undefined) this.counts.set(key, (c = { kind, reason, value: 0 }));
    c.value += count;
    this.total += count;
  }

  /** Dropped so far of one kind (any reason). */
  of(kind: TelemetryKind): number {
    let n = 0;
    for (const c of this.counts.values()) if (c.kind === kind) n += c.value;
    return n;
  }

  values(worker: string): MetricValue[] {
    return [...this.counts.values()].map((c) => ({ labels: { kind: c.kind, reason: c.reason, worker }, value: c.value }));
  }

  /** Logs what was dropped since the last line, if anything was and the interval has passed. */
  report(log: Pick<Logger, "warn">): void {
    if (this.total === this.loggedTotal || this.now() - this.lastLog < DROP_LOG_EVERY_MS) return;
    const totals = Object.fromEntries([...this.counts].map(([key, c]) => [key, c.value]));
    log.warn({ droppedSinceLastReport: this.total - this.loggedTotal, droppedTotal: totals }, "telemetry dropped: its buffer is full (database away or slow) or PostgreSQL refused it");
    this.loggedTotal = this.total;
    this.lastLog = this.now();
  }
}

/**
 * PostgreSQL refused the data itself (SQLSTATE class 22 data exception, 54 program limit exceeded: a value it
 * cannot store, a jsonb too large), as opposed to a database that is away, busy or locked.
 */
export function isRejectedData(error: unknown): boolean {
  const code = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } })?.meta?.driverAdapterError?.cause?.originalCode;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("54"));
}
