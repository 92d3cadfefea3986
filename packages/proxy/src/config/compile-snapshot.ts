import { parseAddress, type GatewayConfig, type Route, type Service, type Timeouts } from "@bulwark/config/schema";
import { canonicalJson } from "@bulwark/config/hash";
import { indexConsumers, type ConsumerIndex } from "../policies/access-stages";
import { compileStages, type Stage } from "../policies/compile-stages";
import { PRIORITY_RANK } from "../policies/load-monitor";
import { createBalancer, type Balancer } from "../upstream/balancing/create-balancer";
import { compileRouter } from "./compile-router";
import { compileFallback, LastGoodCache, type CompiledFallback } from "../policies/fallback";
import { createRuntime, type GatewayRuntime } from "../pipeline/gateway-runtime";
import { CircuitBreaker } from "../upstream/circuit-breaker";
import { OutlierDetector } from "../upstream/outlier-detector";
import { RetryBudget } from "../policies/retry-budget";
import { ActiveHealth } from "../upstream/target-health";

export interface UpstreamTarget {
  /** host:port as configured; the key for per-target runtime state. */
  address: string;
  host: string;
  port: number;
  weight: number;
}

/** Per-service state that outlives snapshots: kept across reloads while the service's targets are unchanged. */
export interface ServiceRuntime {
  readonly signature: string;
  readonly balancer: Balancer;
  /** Null when the service has no circuit breaker. */
  readonly breaker: CircuitBreaker | null;
  /** Feeds passive outlier ejection: did the request sent to target `index` fail upstream? */
  report(index: number, failed: boolean): void;
}

/** Per-route state that outlives snapshots while the route's retry and fallback settings are unchanged. */
export interface RouteRuntime {
  readonly signature: string;
  readonly retryBudget: RetryBudget;
  readonly lastGood: LastGoodCache;
}

export interface CompiledRetry {
  readonly attempts: number;
  /** Indexed by status: retry on it? */
  readonly statuses: Uint8Array;
  readonly methods: ReadonlySet<string>;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export interface CompiledSplit {
  readonly service: CompiledService;
  readonly percent: number;
  readonly header: string | null;
  readonly value: string | null;
}

export interface CompiledService {
  readonly name: string;
  readonly targets: readonly UpstreamTarget[];
  readonly runtime: ServiceRuntime;
}

export interface CompiledRoute {
  readonly name: string;
  readonly service: CompiledService;
  /** Characters to cut from the start of the path when forwarding (strip prefix), or 0. */
  readonly stripLength: number;
  readonly timeouts: Timeouts;
  /** 0 critical, 1 normal, 2 low. */
  readonly priority: number;
  /** Admission stages run before forwarding; only the policies that are on. */
  readonly stages: readonly Stage[];
  readonly split: CompiledSplit | null;
  /** Null when the route never retries. */
  readonly retry: CompiledRetry | null;
  readonly fallback: CompiledFallback | null;
  /** Infinity when unlimited. */
  readonly maxBodyBytes: number;
  readonly runtime: RouteRuntime;
}

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
      ? new OutlierDetector({ consecutiveFailures: od.consecutiveFailures, baseEjectionMs: od.baseEjectionMs, maxEjectionMs: od.maxEjectionMs, maxEjectionPercent: od.maxEjectionPercent / 100 }, () => targets.length, runtimeParts.now)
      : null;
    const cb = service.circuitBreaker;
    const breaker = cb
      ? new CircuitBreaker(
          { failureRateThreshold: cb.failureRatePercent / 100, slowCallRateThreshold: cb.slowCallRatePercent / 100, slowCallMs: cb.slowCallMs, windowMs: cb.windowMs, minimumCalls: cb.minimumCalls, openMs: cb.openMs, halfOpenProbes: cb.halfOpenProbes },
          runtimeParts.now,
          (state) => runtimeParts.onBreakerChange(service.name, state),
        )
      : null;
    const keys = targets.map((t) => ActiveHealth.key(service.name, t.address));
    const usable = outliers ? (i: number) => health.isUp(keys[i]) && !outliers.isEjected(targets[i].address) : (i: number) => health.isUp(keys[i]);
    const report = outliers
      ? (i: number, failed: boolean) => (failed ? outliers.recordFailure(targets[i].address) : outliers.recordSuccess(targets[i].address))
      : () => {};
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
    runtime = { signature, retryBudget: new RetryBudget(route.retries.budgetPercent / 100, route.retries.minRetryConcurrency), lastGood: new LastGoodCache() };
    registry.set(signature, runtime);
  }
  used.add(signature);
  return runtime;
}

function compileRetry(route: Route): CompiledRetry | null {
  const r = route.retries;
  if (r.attempts === 0 || r.methods.length === 0) return null;
  const statuses = new Uint8Array(600);
  for (const s of r.statuses) statuses[s] = 1;
  return Object.freeze({ attempts: r.attempts, statuses, methods: new Set<string>(r.methods), backoffMs: r.backoffMs, maxBackoffMs: r.maxBackoffMs });
}

function compileRoute(r: Route, services: Map<string, CompiledService>, registry: RuntimeRegistry, used: Set<string>, runtime: GatewayRuntime, consumers: ConsumerIndex): CompiledRoute {
  const service = services.get(r.service);
  if (!service) throw new Error(`route ${r.name} refers to unknown service ${r.service}`);
  let split: CompiledSplit | null = null;
  if (r.split) {
    const other = services.get(r.split.service);
    if (!other) throw new Error(`route ${r.name} splits traffic to unknown service ${r.split.service}`);
    split = Object.freeze({ service: other, percent: r.split.percent, header: r.split.header?.name.toLowerCase() ?? null, value: r.split.header?.value ?? null });
  }
  const stripLength = r.stripPrefix ? literalPrefix(r).length : 0;
  return Object.freeze({
    name: r.name,
    service,
    stripLength: stripLength > 1 ? stripLength : 0,
    timeouts: Object.freeze({ ...r.timeouts }),
    priority: PRIORITY_RANK[r.priority],
    stages: compileStages(r, runtime, consumers),
    split,
    retry: compileRetry(r),
    fallback: r.fallback ? compileFallback(r.fallback) : null,
    maxBodyBytes: r.maxBodyBytes ?? Infinity,
    runtime: compileRouteRuntime(r, registry, used),
  });
}

/**
 * Compiles a parsed config into an immutable snapshot: a radix router (compile-router) whose targets are the
 * compiled routes, with everything a request needs precomputed. Throws when the config cannot be compiled.
 */
export function compileSnapshot(
  config: GatewayConfig,
  meta: { version: number; hash: string },
  registry: RuntimeRegistry = new Map(),
  runtime: GatewayRuntime = createRuntime(),
): Snapshot {
  const used = new Set<string>();
  const services = new Map<string, CompiledService>();
  for (const s of config.services) services.set(s.name, compileService(s, registry, used, runtime));
  const consumers = indexConsumers(config.consumers);
  const router = compileRouter(config.routes.map((route) => ({ route, target: compileRoute(route, services, registry, used, runtime, consumers) })));
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
