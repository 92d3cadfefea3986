import type { Route } from "@bulwark/config/schema";
import { GatewayError } from "../errors";
import type { GatewayRuntime } from "../pipeline/gateway-runtime";
import type { ProxyCall } from "../pipeline/proxy-call";
import type { RateDecision } from "./cluster-rate-limiter";
import { PRIORITY_RANK } from "./load-monitor";
import { authStage, ipStage, type ConsumerIndex } from "./access-stages";

/** A step before forwarding: throws a GatewayError to stop the request, or returns a promise to make it wait. */
export type Stage = (call: ProxyCall) => void | Promise<void>;

const SHED = new GatewayError(503, "LOAD_SHED", "the gateway is overloaded and sheds this route's traffic first; retry shortly", { "retry-after": "1" }, "shed");
const TOO_LARGE = new GatewayError(413, "PAYLOAD_TOO_LARGE", "the request body is larger than this route accepts");

function shedStage(rank: number, runtime: GatewayRuntime): Stage {
  const load = runtime.load;
  return () => {
    if (load.shouldShed(rank)) throw SHED;
  };
}

function bodyLimitStage(max: number): Stage {
  // A declared length is refused before anything is read; a chunked body is counted while it streams (forwarder).
  return (call) => {
    const declared = call.contentLength;
    if (declared !== undefined && Number(declared) > max) throw TOO_LARGE;
  };
}

function rateLimitStage(route: Route, runtime: GatewayRuntime): Stage {
  const rl = route.rateLimit!;
  const limit = { limit: rl.requests, windowMs: rl.windowMs };
  const limiter = runtime.limiter;
  const prefix = `${route.name}:`;
  const header = rl.header.toLowerCase();
  const keyOf: (call: ProxyCall) => string =
    rl.by === "consumer"
      ? (call) => prefix + (call.consumer ?? "")
      : rl.by === "ip"
      ? (call) => prefix + call.clientIp
      : rl.by === "header"
        ? (call) => {
            const v = call.req.headers[header];
            return prefix + (typeof v === "string" ? v.slice(0, 256) : "");
          }
        : () => prefix;
  const limitHeader = String(rl.requests);
  const windowSec = Math.max(1, Math.ceil(rl.windowMs / 1000));
  const apply = (call: ProxyCall, d: RateDecision) => {
    const resetSec = d.allowed ? windowSec : Math.max(1, Math.ceil(d.retryAfterMs / 1000));
    call.responseHeaders.push("ratelimit-limit", limitHeader, "ratelimit-remaining", String(d.remaining), "ratelimit-reset", String(resetSec));
    if (!d.allowed) {
      call.decide("rateLimit", d.source === "cluster" ? "limited (cluster)" : "limited (local)");
      throw new GatewayError(429, "RATE_LIMITED", "too many requests for this route; slow down", { "retry-after": String(resetSec) }, "rate_limited");
    }
  };
  return (call) => {
    const decision = limiter.take(keyOf(call), limit);
    if (decision instanceof Promise) return decision.then((d) => apply(call, d));
    apply(call, decision);
  };
}

function delayStage(percent: number, ms: number, runtime: GatewayRuntime): Stage {
  return (call) => {
    if (runtime.random() * 100 >= percent) return;
    call.addResponseHeader("x-bulwark-fault", "delay");
    call.decide("fault", `delay ${ms} ms`);
    return new Promise((ok) => setTimeout(ok, ms));
  };
}

function abortStage(percent: number, status: number, runtime: GatewayRuntime): Stage {
  const error = new GatewayError(status, "FAULT_INJECTED", "this request was aborted by the route's fault injection", { "x-bulwark-fault": "abort" });
  return (call) => {
    if (runtime.random() * 100 < percent) {
      call.decide("fault", `abort ${status}`);
      throw error;
    }
  };
}

/**
 * The admission stages of one route, in a fixed order (shed, IP lists, auth, body size, rate limit, fault delay,
 * fault abort); a policy that is off is simply not in the list. Shedding comes first: under overload the cheapest
 * answer protects everything after it, token verification included.
 */
export function compileStages(route: Route, runtime: GatewayRuntime, consumers: ConsumerIndex): readonly Stage[] {
  const stages: Stage[] = [shedStage(PRIORITY_RANK[route.priority], runtime)];
  const ip = ipStage(route);
  if (ip !== null) stages.push(ip);
  const auth = authStage(route, consumers, runtime.jwks);
  if (auth !== null) stages.push(auth);
  if (route.maxBodyBytes !== null) stages.push(bodyLimitStage(route.maxBodyBytes));
  if (route.rateLimit !== null) stages.push(rateLimitStage(route, runtime));
  if (route.faults?.delay && route.faults.delay.percent > 0) stages.push(delayStage(route.faults.delay.percent, route.faults.delay.ms, runtime));
  if (route.faults?.abort && route.faults.abort.percent > 0) stages.push(abortStage(route.faults.abort.percent, route.faults.abort.status, runtime));
  return Object.freeze(stages);
}
