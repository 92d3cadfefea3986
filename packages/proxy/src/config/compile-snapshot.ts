import { parseAddress, type GatewayConfig, type Route, type Service } from "@bulwark/config/schema";
import { canonicalJson } from "@bulwark/config/hash";
import { compileChain, type ChainContext } from "../pipeline/compile-chain";
import type { CompiledRoute, CompiledService, RouteRuntime, ServiceRuntime } from "../pipeline/compiled-route";
import { createRuntime, type GatewayRuntime } from "../pipeline/gateway-runtime";
import { indexConsumers } from "../policies/auth";
import { LastGoodCache } from "../policies/last-good-cache";
import { compileRetry } from "../policies/retry";
import { RetryBudget } from "../policies/retry-budget";
import { createBalancer } from "../upstream/balancing/create-balancer";
import { CircuitBreaker } from "../upstream/circuit-breaker";
import { OutlierDetector } from "../upstream/outlier-detector";
import { ActiveHealth } from "../upstream/target-health";
import type { UpstreamTarget } from "../upstream/upstream-target";
import { compileRouter, compileRouterInSlices, type CompiledRouter } from "./compile-router";
import type { Slices } from "@bulwark/config/parse-in-slices";

export interface RouteMatch {
  route: CompiledRoute;
  params: Record<string, string | undefined>;
}

export interface Snapshot {
  readonly version: number;
  readonly hash: string;
  readonly routeCount: number;
  match(method: string, path: string, host: string): RouteMatch | null;
}

/** Runtime state by service or route signature; compileSnapshot reuses entries and drops those no longer used. */
export type RuntimeRegistry = Map<string, ServiceRuntime | RouteRuntime>;

function literalPrefix(route: Route): string {
  if (route.pathType === "template") {
    const at = route.path.indexOf("/:");
    return at < 0 ? route.path : route.path.slice(0, at);
  }
  return route.path.length > 1 && route.path.endsWith("/") ? route.path.slice(0, -1) : route.path;
}

function compileService(service: Service, registry: RuntimeRegistry, used: Set<string>, runtimeParts: GatewayRuntime): CompiledService {
  const health = runtimeParts.health;
  const targets = service.targets.map((t): UpstreamTarget => {
    const parsed = parseAddress(t.address);
    if (typeof parsed === "string") throw new Error(`service ${service.name}: target ${t.address} ${parsed}`);
    return Object.freeze({ address: t.address, host: parsed.host, port: parsed.port, weight: t.weight });
  });
  const signature = `service:${canonicalJson(service)}`;
  let runtime = registry.get(signature) as ServiceRuntime | undefined;
  if (!runtime) {
    const od = service.outlierDetection;
    const outliers = od
      ? new OutlierDetector(
          { consecutiveFailures: od.consecutiveFailures, baseEjectionMs: od.baseEjectionMs, maxEjectionMs: od.maxEjectionMs, maxEjectionPercent: od.maxEjectionPercent / 100 },
          () => targets.length,
          runtimeParts.now,
        )
      : null;
    const cb = service.circuitBreaker;
    const breaker = cb
      ? new CircuitBreaker(
          {
            failureRateThreshold: cb.failureRatePercent / 100,
            slowCallRateThreshold: cb.slowCallRatePercent / 100,
            slowCallMs: cb.slowCallMs,
            windowMs: cb.windowMs,
            minimumCalls: cb.minimumCalls,
            openMs: cb.openMs,
            halfOpenProbes: cb.halfOpenProbes,
          },
          runtimeParts.now,
          (state) => runtimeParts.onBreakerChange(service.name, state),
        )
      : null;
    const keys = targets.map((t) => ActiveHealth.key(service.name, t.address));
    const usable = outliers ? (i: number) => health.isUp(keys[i]) && !outliers.isEjected(targets[i].address) : (i: number) => health.isUp(keys[i]);
    const report = outliers ? (i: number, failed: boolean) => (failed ? outliers.recordFailure(targets[i].address) : outliers.recordSuccess(targets[i].address)) : () => {};
    runtime = { signature, balancer: createBalancer(targets, service.loadBalancing, usable, runtimeParts.random, runtimeParts.now), breaker, report };
    registry.set(signature, runtime);
  }
  used.add(signature);
  return Object.freeze({ name: service.name, targets: Object.freeze(targets), runtime });
}

function compileRouteRuntime(route: Route, registry: RuntimeRegistry, used: Set<string>): RouteRuntime {
  const signature = `route:${route.name}:${canonicalJson([route.retries.budgetPercent, route.retries.minRetryConcurrency, route.fallback])}`;
  let runtime = registry.get(signature) as RouteRuntime | undefined;
  if (!runtime) {
    const lastGood = route.fallback?.lastGood ? new LastGoodCache() : null;
    runtime = { signature, retryBudget: new RetryBudget(route.retries.budgetPercent / 100, route.retries.minRetryConcurrency), lastGood };
    registry.set(signature, runtime);
  }
  used.add(signature);
  return runtime;
}

function compileRoute(r: Route, registry: RuntimeRegistry, used: Set<string>, context: ChainContext): CompiledRoute {
  const service = context.services.get(r.service);
  if (!service) throw new Error(`route ${r.name} refers to unknown service ${r.service}`);
  const stripLength = r.stripPrefix ? literalPrefix(r).length : 0;
  const runtime = compileRouteRuntime(r, registry, used);
  return Object.freeze({
    name: r.name,
    service,
    stripLength: stripLength > 1 ? stripLength : 0,
    timeouts: context.intern(`timeouts:${canonicalJson(r.timeouts)}`, () => Object.freeze({ ...r.timeouts })),
    maxBodyBytes: r.maxBodyBytes ?? Infinity,
    chain: compileChain(r, runtime, context),
    retry: context.intern(`retry:${canonicalJson(r.retries)}`, () => compileRetry(r)),
    runtime,
  });
}

function prepare(config: GatewayConfig, registry: RuntimeRegistry, runtime: GatewayRuntime) {
  const used = new Set<string>();
  const services = new Map<string, CompiledService>();
  for (const s of config.services) services.set(s.name, compileService(s, registry, used, runtime));
  // Routes share what compiles the same (timeouts, retry tables, the chain of a route with no policies of its
  // own): at 10,000 routes a copy each was most of the snapshot's memory.
  const shared = new Map<string, unknown>();
  const intern = <T>(key: string, make: () => T): T => {
    if (shared.has(key)) return shared.get(key) as T;
    const value = make();
    shared.set(key, value);
    return value;
  };
  const context: ChainContext = { services, consumers: indexConsumers(config.consumers), runtime, intern };
  return { used, context };
}

function finish(config: GatewayConfig, meta: { version: number; hash: string }, registry: RuntimeRegistry, used: Set<string>, router: CompiledRouter<CompiledRoute>): Snapshot {
  for (const key of registry.keys()) if (!used.has(key)) registry.delete(key);
  return Object.freeze({
    version: meta.version,
    hash: meta.hash,
    routeCount: config.routes.length,
    match(method: string, path: string, host: string): RouteMatch | null {
      return router.find(method, path, host);
    },
  });
}

/**
 * Compiles a parsed config into an immutable snapshot: a radix router (compile-router) whose targets are the
 * compiled routes, with everything a request needs precomputed. Throws when the config cannot be compiled.
 */
export function compileSnapshot(config: GatewayConfig, meta: { version: number; hash: string }, registry: RuntimeRegistry = new Map(), runtime: GatewayRuntime = createRuntime()): Snapshot {
  const { used, context } = prepare(config, registry, runtime);
  return finish(config, meta, registry, used, compileRouter(config.routes.map((route) => ({ route, target: compileRoute(route, registry, used, context) }))));
}

/**
 * compileSnapshot, giving the event loop back between routes whenever `slices` says so: a worker applying a
 * version of 20,000 routes keeps serving requests on the snapshot it runs while the next one is built.
 */
export async function compileSnapshotInSlices(config: GatewayConfig, meta: { version: number; hash: string }, registry: RuntimeRegistry, runtime: GatewayRuntime, slices: Slices): Promise<Snapshot> {
  const { used, context } = prepare(config, registry, runtime);
  const routes: { route: Route; target: CompiledRoute }[] = [];
  for (const route of config.routes) {
    routes.push({ route, target: compileRoute(route, registry, used, context) });
    if (slices.due()) await slices.yield();
  }
  return finish(config, meta, registry, used, await compileRouterInSlices(routes, slices));
}
