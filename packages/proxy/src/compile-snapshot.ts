import FindMyWay from "find-my-way";
import { claimedPaths, HTTP_METHODS, parseAddress, type GatewayConfig, type Route, type Service, type Timeouts } from "@bulwark/config/schema";
import { canonicalJson } from "@bulwark/config/hash";
import { createBalancer, type Balancer } from "./balancing/create-balancer";
import { OutlierDetector } from "./resilience/outlier-detector";
import { ActiveHealth } from "./target-health";

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
  /** Feeds passive outlier ejection: did the request sent to target `index` fail upstream? */
  report(index: number, failed: boolean): void;
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

/** Runtime state by service signature; compileSnapshot reuses entries and drops those no longer used. */
export type RuntimeRegistry = Map<string, ServiceRuntime>;

function literalPrefix(route: Route): string {
  if (route.pathType === "template") {
    const at = route.path.indexOf("/:");
    return at < 0 ? route.path : route.path.slice(0, at);
  }
  return route.path.length > 1 && route.path.endsWith("/") ? route.path.slice(0, -1) : route.path;
}

function compileService(service: Service, registry: RuntimeRegistry, used: Set<string>, health: ActiveHealth): CompiledService {
  const targets = service.targets.map((t): UpstreamTarget => {
    const parsed = parseAddress(t.address);
    if (typeof parsed === "string") throw new Error(`service ${service.name}: target ${t.address} ${parsed}`);
    return Object.freeze({ address: t.address, host: parsed.host, port: parsed.port, weight: t.weight });
  });
  const signature = canonicalJson(service);
  let runtime = registry.get(signature);
  if (!runtime) {
    const od = service.outlierDetection;
    const outliers = od
      ? new OutlierDetector({ consecutiveFailures: od.consecutiveFailures, baseEjectionMs: od.baseEjectionMs, maxEjectionMs: od.maxEjectionMs, maxEjectionPercent: od.maxEjectionPercent / 100 }, () => targets.length)
      : null;
    const keys = targets.map((t) => ActiveHealth.key(service.name, t.address));
    const usable = outliers ? (i: number) => health.isUp(keys[i]) && !outliers.isEjected(targets[i].address) : (i: number) => health.isUp(keys[i]);
    const report = outliers
      ? (i: number, failed: boolean) => (failed ? outliers.recordFailure(targets[i].address) : outliers.recordSuccess(targets[i].address))
      : () => {};
    runtime = { signature, balancer: createBalancer(targets, service.loadBalancing, usable), report };
    registry.set(signature, runtime);
  }
  used.add(signature);
  return Object.freeze({ name: service.name, targets: Object.freeze(targets), runtime });
}

function hostConstraint(host: string): string | RegExp {
  if (!host.startsWith("*.")) return host;
  const suffix = host.slice(1).replace(/[.]/g, "\\.");
  return new RegExp(`^[^.]+${suffix}$`);
}

const noop = () => {};

/**
 * Compiles a parsed config into an immutable snapshot: one radix router (find-my-way) whose stores are the
 * compiled routes, with everything a request needs precomputed. Throws when the config cannot be compiled.
 */
export function compileSnapshot(
  config: GatewayConfig,
  meta: { version: number; hash: string },
  registry: RuntimeRegistry = new Map(),
  health: ActiveHealth = new ActiveHealth(),
): Snapshot {
  const used = new Set<string>();
  const services = new Map<string, CompiledService>();
  for (const s of config.services) services.set(s.name, compileService(s, registry, used, health));
  const router = FindMyWay({ caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: 1000 });
  for (const r of config.routes) {
    const service = services.get(r.service);
    if (!service) throw new Error(`route ${r.name} refers to unknown service ${r.service}`);
    const stripLength = r.stripPrefix ? literalPrefix(r).length : 0;
    const compiled: CompiledRoute = Object.freeze({ name: r.name, service, stripLength: stripLength > 1 ? stripLength : 0, timeouts: Object.freeze({ ...r.timeouts }) });
    const methods = (r.methods.length ? r.methods : HTTP_METHODS) as FindMyWay.HTTPMethod[];
    const hosts = r.hosts.length ? r.hosts : [null];
    // Templates register with their parameter names; claimedPaths erases them only for conflict checks.
    const paths = r.pathType === "template" ? [r.path] : claimedPaths(r);
    for (const host of hosts) {
      for (const path of paths) {
        const opts = host === null ? {} : { constraints: { host: hostConstraint(host) } };
        router.on(methods, path, opts, noop, compiled);
      }
    }
  }
  for (const key of registry.keys()) if (!used.has(key)) registry.delete(key);
  return Object.freeze({
    version: meta.version,
    hash: meta.hash,
    routeCount: config.routes.length,
    match(method: string, path: string, host: string): RouteMatch | null {
      const found = router.find(method as FindMyWay.HTTPMethod, path, { host });
      if (!found) return null;
      return { route: found.store as CompiledRoute, params: found.params };
    },
  });
}
