import type { Route } from "@bulwark/config/schema";
import type { CompiledRetry } from "../pipeline/compiled-route";

/**
 * The route's retry policy (forward phase), or null when it never retries (`attempts: 0`). `methods` limits
 * the retries of requests the upstream may have seen (a listed status, a reset); an attempt that failed before
 * the request went out (refused, unreachable, connect timeout) is retried for every method, so even with no
 * methods listed a route steps around a dead target.
 */
export function compileRetry(route: Route): CompiledRetry | null {
  const r = route.retries;
  if (r.attempts === 0) return null;
  const statuses = new Uint8Array(600);
  for (const s of r.statuses) statuses[s] = 1;
  return Object.freeze({ attempts: r.attempts, statuses, methods: new Set<string>(r.methods), backoffMs: r.backoffMs, maxBackoffMs: r.maxBackoffMs });
}

/** Full-jitter exponential backoff before attempt `attempt` (1 = the first retry). */
export function backoffMs(retry: CompiledRetry, attempt: number, random: () => number): number {
  return random() * Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** (attempt - 1));
}
