import type { Route } from "@bulwark/config/schema";
import { authStep, type ConsumerIndex } from "../policies/auth";
import { bodyLimitStep } from "../policies/body-limit";
import { faultSteps } from "../policies/faults";
import { lastGoodStep, staticFallbackStep } from "../policies/fallback";
import { ipListStep } from "../policies/ip-lists";
import { rateLimitStep } from "../policies/rate-limit";
import { shedStep } from "../policies/shed";
import { splitStep } from "../policies/split";
import type { AdmitStep, CompiledChain, CompiledService, RespondStep, RouteRuntime, RouteStep } from "./compiled-route";
import type { GatewayRuntime } from "./gateway-runtime";

/** What a route's policies are compiled against: the version's services and consumers, and the worker's state. */
export interface ChainContext {
  readonly services: ReadonlyMap<string, CompiledService>;
  readonly consumers: ConsumerIndex;
  readonly runtime: GatewayRuntime;
  /** One value per key for the whole version: routes that compile the same share it. */
  intern<T>(key: string, make: () => T): T;
}

function push<T>(list: T[], step: T | null): void {
  if (step !== null) list.push(step);
}

/**
 * A route's chain, compiled once per config version. Admit runs in a fixed order: shed first (under overload the
 * cheapest answer protects everything after it, token verification included), IP lists, auth, body size, rate
 * limit (after auth, so it can count by consumer), then faults. Route: the split. Respond: last-good keeping,
 * then the static fallback. Forward (attempts, retries, breaker) is the pipeline's own phase, configured by the
 * route's retry policy; log is the worker's.
 */
export function compileChain(route: Route, routeRuntime: RouteRuntime, context: ChainContext): CompiledChain {
  const { runtime } = context;
  const admit: AdmitStep[] = [context.intern(`shed:${route.priority}`, () => shedStep(route.priority, runtime.load))];
  push(admit, ipListStep(route));
  push(admit, authStep(route, context.consumers, runtime.jwks));
  if (route.maxBodyBytes !== null) admit.push(bodyLimitStep(route.maxBodyBytes));
  push(admit, rateLimitStep(route, runtime.limiter));
  admit.push(...faultSteps(route.faults, runtime.random));

  const routing: RouteStep[] = [];
  push(routing, splitStep(route, context.services, runtime.random));

  const respond: RespondStep[] = [];
  if (route.fallback) {
    if (routeRuntime.lastGood !== null) respond.push(lastGoodStep(routeRuntime.lastGood));
    respond.push(staticFallbackStep(route.fallback));
  }
  const chain = () => Object.freeze({ admit: Object.freeze(admit), route: Object.freeze(routing), respond: Object.freeze(respond) });
  // A route with no policies of its own has the chain of every other such route of its priority.
  return admit.length === 1 && routing.length === 0 && respond.length === 0 ? context.intern(`chain:${route.priority}`, chain) : chain();
}
