import type { Route } from "@bulwark/config/schema";
import type { CompiledRetry } from "../pipeline/compiled-route";

/** The route's retry policy (forward phase), or null when it never retries. */
export function compileRetry(route: Route): CompiledRetry | null {
  const r = route.retries;
  if (r.attempts === 0 || r.methods.length === 0) return null;
  const statuses = new Uint8Array(600);
  for (const s of r.statuses) statuses[s] = 1;
  return Object.freeze({ attempts: r.attempts, statuses, methods: new Set<string>(r.methods), backoffMs: r.backoffMs, maxBackoffMs: r.maxBackoffMs });
}

/** Full-jitter exponential backoff before attempt `attempt` (1 = the first retry). */
export function backoffMs(retry: CompiledRetry, attempt: number, random: () => number): number {
  return random() * Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** (attempt - 1));
}
