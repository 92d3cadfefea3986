import type { Priority } from "@bulwark/config/schema";

export const PRIORITY_RANK: Readonly<Record<Priority, number>> = { critical: 0, normal: 1, low: 2 };

export interface LoadLimits {
  /** Requests in flight on this worker at which even critical routes are shed. */
  maxInFlight: number;
  /** Event-loop delay at which low-priority routes are shed (normal ones at twice this). */
  maxLagMs: number;
}

/**
 * How loaded this worker is, from two signals: requests in flight (cheap, exact) and event-loop delay (the CPU is
 * saturated). Low-priority routes are shed first (at half the in-flight limit or at the delay limit), then normal
 * ones (at 80% or twice the delay), critical ones only at the hard limit, so an exam keeps working while the
 * catalog slows down.
 */
export class LoadMonitor {
  inFlight = 0;
  /** The latest event-loop delay sample, ms. */
  lagMs = 0;
  private readonly inFlightLimits: readonly number[];
  private readonly lagLimits: readonly number[];
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly limits: LoadLimits) {
    this.inFlightLimits = [limits.maxInFlight, Math.ceil(limits.maxInFlight * 0.8), Math.ceil(limits.maxInFlight * 0.5)];
    this.lagLimits = [Infinity, limits.maxLagMs * 2, limits.maxLagMs];
  }

  /** Samples the event-loop delay: how late a timer fires. */
  start(intervalMs = 100): void {
    let expected = performance.now() + intervalMs;
    this.timer = setInterval(() => {
      const t = performance.now();
      this.lagMs = Math.max(0, t - expected);
      expected = t + intervalMs;
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Whether a new request of this rank (0 critical, 1 normal, 2 low), already counted in inFlight, must be shed. */
  shouldShed(rank: number): boolean {
    return this.inFlight > this.inFlightLimits[rank] || this.lagMs >= this.lagLimits[rank];
  }
}
