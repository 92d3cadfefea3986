import type { Route } from "@bulwark/config/schema";
import { GatewayError } from "../errors";
import type { AdmitStep, RequestState } from "../pipeline/compiled-route";
import type { ClusterRateLimiter, RateDecision } from "./cluster-rate-limiter";

/**
 * The route's rate limit (admit phase, after auth so `by: consumer` knows the consumer): a token bucket per key,
 * shared by the cluster through Redis when configured; every answer says the limit's state (RateLimit-* headers).
 */
export function rateLimitStep(route: Route, limiter: ClusterRateLimiter): AdmitStep | null {
  const rl = route.rateLimit;
  if (rl === null) return null;
  const limit = { limit: rl.requests, windowMs: rl.windowMs };
  const prefix = `${route.name}:`;
  const header = rl.header.toLowerCase();
  const keyOf: (request: RequestState) => string =
    rl.by === "consumer"
      ? (request) => prefix + (request.consumer ?? "")
      : rl.by === "ip"
        ? (request) => prefix + request.clientIp
        : rl.by === "header"
          ? (request) => {
              const v = request.req.headers[header];
              return prefix + (typeof v === "string" ? v.slice(0, 256) : "");
            }
          : () => prefix;
  const limitHeader = String(rl.requests);
  const windowSec = Math.max(1, Math.ceil(rl.windowMs / 1000));
  const apply = (request: RequestState, d: RateDecision) => {
    const resetSec = d.allowed ? windowSec : Math.max(1, Math.ceil(d.retryAfterMs / 1000));
    request.responseHeaders.push("ratelimit-limit", limitHeader, "ratelimit-remaining", String(d.remaining), "ratelimit-reset", String(resetSec));
    if (!d.allowed) {
      request.decide("rateLimit", d.source === "cluster" ? "limited (cluster)" : "limited (local)");
      throw new GatewayError("RATE_LIMITED", "too many requests for this route; slow down", { "retry-after": String(resetSec) }, "rate_limited");
    }
  };
  return (request) => {
    const decision = limiter.take(keyOf(request), limit);
    if (decision instanceof Promise) return decision.then((d) => apply(request, d));
    apply(request, decision);
  };
}
