export interface OutlierPolicy {
  /** Consecutive failures (5xx or connect errors, not errors the gateway made itself) that eject a target. */
  consecutiveFailures: number;
  /** Ejection time is baseEjectionMs times the number of times the target was ejected. */
  baseEjectionMs: number;
  maxEjectionMs: number;
  /** Never eject more than this share (0..1) of a service's targets. */
  maxEjectionPercent: number;
}

interface TargetState {
  consecutive: number;
  ejections: number;
  ejectedUntil: number;
}

/**
 * Envoy-style passive outlier ejection for one service's targets, keyed by target address. Ejection times grow
 * with each ejection; recovery is automatic when the
 * ejection time runs out.
 */
export class OutlierDetector {
  private readonly targets = new Map<string, TargetState>();

  constructor(
    private readonly policy: OutlierPolicy,
    private readonly targetCount: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  private stateOf(address: string): TargetState {
    let s = this.targets.get(address);
    if (!s) {
      s = { consecutive: 0, ejections: 0, ejectedUntil: 0 };
      this.targets.set(address, s);
    }
    return s;
  }

  isEjected(address: string): boolean {
    const s = this.targets.get(address);
    return s !== undefined && s.ejectedUntil > this.now();
  }

  ejectedCount(): number {
    const t = this.now();
    let n = 0;
    for (const s of this.targets.values()) if (s.ejectedUntil > t) n++;
    return n;
  }

  recordSuccess(address: string): void {
    const s = this.targets.get(address);
    if (s) s.consecutive = 0;
  }

  /** Returns true when this failure ejected the target. */
  recordFailure(address: string): boolean {
    const s = this.stateOf(address);
    if (s.ejectedUntil > this.now()) return false;
    if (++s.consecutive < this.policy.consecutiveFailures) return false;
    const max = Math.floor(this.targetCount() * this.policy.maxEjectionPercent);
    if (this.ejectedCount() >= max) return false;
    s.ejections++;
    s.consecutive = 0;
    s.ejectedUntil = this.now() + Math.min(this.policy.maxEjectionMs, this.policy.baseEjectionMs * s.ejections);
    return true;
  }

  /** An active health check saw the target healthy: end its ejection early. */
  markHealthy(address: string): void {
    const s = this.targets.get(address);
    if (s) {
      s.ejectedUntil = 0;
      s.consecutive = 0;
    }
  }
}
