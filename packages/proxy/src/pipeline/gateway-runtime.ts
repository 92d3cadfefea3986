import { JwksCache } from "../policies/jwks-cache";
import { LoadMonitor } from "../policies/load-monitor";
import type { BreakerState } from "../upstream/circuit-breaker";
import { ClusterRateLimiter } from "../policies/cluster-rate-limiter";
import { ActiveHealth } from "../upstream/target-health";

/**
 * The worker's mutable state and sources of time and chance that compiled snapshots use: kept outside the frozen
 * snapshot so a reload keeps it, and passed in so a test can drive breakers and faults without sleeping.
 */
export interface GatewayRuntime {
  readonly health: ActiveHealth;
  readonly limiter: ClusterRateLimiter;
  readonly load: LoadMonitor;
  readonly random: () => number;
  /** Milliseconds, for breakers and outlier ejection. */
  readonly now: () => number;
  /** JWKS key sets by URL, kept across reloads. */
  readonly jwks: JwksCache;
  /** A service's breaker changed state (for the log and /status). */
  readonly onBreakerChange: (service: string, state: BreakerState) => void;
}

export function createRuntime(parts: Partial<GatewayRuntime> = {}): GatewayRuntime {
  return {
    health: parts.health ?? new ActiveHealth(),
    limiter: parts.limiter ?? new ClusterRateLimiter(),
    load: parts.load ?? new LoadMonitor({ maxInFlight: 10_000, maxLagMs: 250 }),
    random: parts.random ?? Math.random,
    now: parts.now ?? Date.now,
    jwks: parts.jwks ?? new JwksCache(),
    onBreakerChange: parts.onBreakerChange ?? (() => {}),
  };
}
