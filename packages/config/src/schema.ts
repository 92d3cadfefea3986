import { z } from "zod";
import { CircuitBreakerSchema, count, DEFAULT_RETRIES, FallbackSchema, FaultsSchema, ms, PrioritySchema, RateLimitSchema, RetriesSchema, TrafficSplitSchema } from "./policies";

import { CidrSchema, ConsumerSchema, RouteAuthSchema } from "./access";
import { canonicalPath, NonCanonicalPathError, routeKey } from "./canonical-form";
import { addressTarget, outboundRefusal } from "./outbound-address";
import { outboundPolicy } from "./outbound-policy";

export * from "./policies";
export * from "./access";

/**
 * The gateway config: one source of truth for the console, the admin API and every worker.
 * Cross-field rules live here (superRefine) so that every reader rejects exactly the same configs,
 * with the same field paths.
 */

export const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const NameSchema = z.string({ error: "is required" }).regex(NAME_PATTERN, "must be 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit");

const LABEL = "[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?";
const HOSTNAME_PATTERN = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const IPV4_PATTERN = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_PATTERN = /^[0-9a-fA-F:.]{2,45}$/;

export interface ParsedAddress {
  host: string;
  port: number;
}

/** Parses "host:port", "1.2.3.4:80" or "[::1]:80"; returns an error message instead of throwing. */
export function parseAddress(value: string): ParsedAddress | string {
  const v = value.trim();
  let host: string;
  let portText: string;
  if (v.startsWith("[")) {
    const end = v.indexOf("]");
    if (end < 0 || v[end + 1] !== ":") return "must be host:port (IPv6 as [addr]:port)";
    host = v.slice(1, end);
    portText = v.slice(end + 2);
    if (!IPV6_PATTERN.test(host) || !host.includes(":")) return "has an invalid IPv6 address";
  } else {
    const colon = v.lastIndexOf(":");
    if (colon <= 0) return "must be host:port, for example 127.0.0.1:4001";
    host = v.slice(0, colon);
    portText = v.slice(colon + 1);
    if (host.length > 253 || !(IPV4_PATTERN.test(host) || (HOSTNAME_PATTERN.test(host) && !/^[\d.]+$/.test(host)))) {
      return "has an invalid host name or IPv4 address";
    }
  }
  if (!/^\d{1,5}$/.test(portText)) return "must end with a port number";
  const port = Number(portText);
  if (port < 1 || port > 65535) return "port must be between 1 and 65535";
  return { host, port };
}

export const TargetSchema = z.object({
  address: z.string({ error: "is required" }).superRefine((value, ctx) => {
    const parsed = parseAddress(value);
    if (typeof parsed === "string") return ctx.addIssue({ code: "custom", message: parsed });
    const target = addressTarget(parsed.host, parsed.port);
    const refusal = target === null ? "has an invalid host name or IPv4 address" : outboundRefusal("target", target, outboundPolicy());
    if (refusal !== null) ctx.addIssue({ code: "custom", message: refusal });
  }),
  weight: z.number({ error: "must be a number" }).int("must be a whole number").min(0, "must be 0 or more").max(1000, "must be 1000 or less").default(100),
});
export type Target = z.infer<typeof TargetSchema>;

export const LOAD_BALANCING_ALGORITHMS = ["round-robin", "least-requests", "consistent-hash", "latency-aware"] as const;
export const HASH_SOURCES = ["header", "cookie", "ip"] as const;
const HEADER_OR_COOKIE_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

/**
 * How a service spreads requests over its targets: weighted round-robin (nginx's smooth variant, the default as
 * in Kong and APISIX), least outstanding requests (Envoy's LEAST_REQUEST), consistent hashing on a header,
 * cookie or the client address (session affinity), or latency-aware (peak EWMA with two random choices, as in
 * Linkerd), which moves traffic off a degrading target before it fails.
 */
export const LoadBalancingSchema = z
  .object({
    algorithm: z.enum(LOAD_BALANCING_ALGORITHMS, { error: `must be one of ${LOAD_BALANCING_ALGORITHMS.join(", ")}` }).default("round-robin"),
    hashOn: z
      .object({
        source: z.enum(HASH_SOURCES, { error: "must be header, cookie or ip" }),
        name: z.string().default(""),
      })
      .nullable()
      .default(null),
  })
  .superRefine((lb, ctx) => {
    if (lb.algorithm !== "consistent-hash") {
      if (lb.hashOn !== null) ctx.addIssue({ code: "custom", path: ["hashOn"], message: "is only used with consistent-hash" });
      return;
    }
    if (lb.hashOn === null) ctx.addIssue({ code: "custom", path: ["hashOn"], message: "consistent-hash needs a header, cookie or ip to hash on" });
    else if (lb.hashOn.source !== "ip" && !HEADER_OR_COOKIE_NAME.test(lb.hashOn.name)) {
      ctx.addIssue({ code: "custom", path: ["hashOn", "name"], message: `needs the ${lb.hashOn.source} name to hash on` });
    }
  });
export type LoadBalancing = z.infer<typeof LoadBalancingSchema>;
export const DEFAULT_LOAD_BALANCING: LoadBalancing = { algorithm: "round-robin", hashOn: null };

/**
 * Active health checks: GET `path` on every target every `intervalMs`. Each gateway host's cluster primary runs
 * them once for all its workers, so adding workers does not add probe traffic.
 */
export const HealthCheckSchema = z
  .object({
    path: z.string({ error: "is required" }).regex(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/, "must be a path starting with /"),
    intervalMs: ms(500, 300_000, 5_000),
    timeoutMs: ms(100, 60_000, 2_000),
    healthyThreshold: count(1, 10, 2),
    unhealthyThreshold: count(1, 10, 3),
    expectedStatuses: z
      .array(z.number({ error: "must be a number" }).int("must be a whole number").min(100, "must be an HTTP status").max(599, "must be an HTTP status"))
      .min(1, "needs at least one status")
      .max(20, "at most 20 statuses")
      .default([200]),
  })
  .superRefine((h, ctx) => {
    if (h.timeoutMs >= h.intervalMs) ctx.addIssue({ code: "custom", path: ["timeoutMs"], message: "must be shorter than intervalMs" });
  });
export type HealthCheck = z.infer<typeof HealthCheckSchema>;

/**
 * Passive outlier ejection (Envoy's): `consecutiveFailures` upstream 5xx answers or connection failures in a row
 * eject a target for baseEjectionMs times the number of its ejections (at most maxEjectionMs), never more than
 * maxEjectionPercent of the service's targets at once. Errors the gateway made itself do not count.
 */
export const OutlierDetectionSchema = z.object({
  consecutiveFailures: count(1, 1000, 5),
  baseEjectionMs: ms(100, 3_600_000, 30_000),
  maxEjectionMs: ms(100, 3_600_000, 300_000),
  maxEjectionPercent: z.number({ error: "must be a number" }).min(0, "must be 0 to 100").max(100, "must be 0 to 100").default(50),
});
export type OutlierDetection = z.infer<typeof OutlierDetectionSchema>;

export const ServiceSchema = z
  .object({
    name: NameSchema,
    description: z.string().max(500, "must be 500 characters or less").default(""),
    targets: z.array(TargetSchema).min(1, "a service needs at least one target").max(64, "a service can have at most 64 targets"),
    loadBalancing: LoadBalancingSchema.default(DEFAULT_LOAD_BALANCING),
    /** Off unless configured, as in Kong. */
    healthCheck: HealthCheckSchema.nullable().default(null),
    outlierDetection: OutlierDetectionSchema.nullable().default(null),
    circuitBreaker: CircuitBreakerSchema.nullable().default(null),
  })
  .superRefine((service, ctx) => {
    const seen = new Set<string>();
    service.targets.forEach((t, i) => {
      const key = t.address.trim().toLowerCase();
      if (seen.has(key)) ctx.addIssue({ code: "custom", path: ["targets", i, "address"], message: `duplicates target ${t.address}` });
      seen.add(key);
    });
    if (service.targets.length > 0 && service.targets.every((t) => t.weight === 0)) {
      ctx.addIssue({ code: "custom", path: ["targets"], message: "at least one target needs a weight above 0" });
    }
  });
export type Service = z.infer<typeof ServiceSchema>;
export type ServiceInput = z.input<typeof ServiceSchema>;

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export const MethodSchema = z.enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(", ")}` });
export type HttpMethod = z.infer<typeof MethodSchema>;

export const PATH_TYPES = ["prefix", "exact", "template"] as const;
export const PathTypeSchema = z.enum(PATH_TYPES, { error: "must be prefix, exact or template" });
export type PathType = z.infer<typeof PathTypeSchema>;

const HOST_PATTERN = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);
export const HostPatternSchema = z
  .string()
  // Canonical as a request's Host is (canonical-form.ts): lower-case, without the root's trailing dot.
  .transform((h) => h.trim().toLowerCase().replace(/\.$/, ""))
  .refine((h) => HOST_PATTERN.test(h), "must be a host name such as api.example.edu or *.example.edu");

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PATH_CHARS = /^\/[A-Za-z0-9\-._~!$&'()+,;=:@%/]*$/;

export const PathSchema = z
  .string({ error: "is required" })
  .min(1, "is required")
  .max(1024, "must be 1024 characters or less")
  .refine((p) => p.startsWith("/"), "must start with /")
  .refine((p) => PATH_CHARS.test(p), "contains characters that are not allowed in a path")
  .refine((p) => !p.includes("//"), "must not contain empty segments (//)")
  .refine((p) => !p.split("/").some((s) => /^(?:\.|%2e){1,2}$/i.test(s)), "must not contain . or .. segments")
  .refine((p) => !p.includes(";"), "must not contain ; (path parameters are cut from request paths before routing, so a route path with one could never match)")
  // A route is matched against requests' canonical paths, so its own path is made canonical too: `/caf%c3%a9`
  // becomes `/caf%C3%A9` and `/%7Estudent` becomes `/~student`, and the route matches every spelling of itself.
  .transform((p, ctx) => {
    try {
      return canonicalPath(p);
    } catch (error) {
      if (!(error instanceof NonCanonicalPathError)) throw error;
      ctx.addIssue({ code: "custom", message: error.message });
      return z.NEVER;
    }
  });

export const TimeoutsSchema = z
  .object({
    connectMs: z.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1 ms").max(60_000, "must be at most 60000 ms").default(5_000),
    responseHeaderMs: z.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1 ms").max(600_000, "must be at most 600000 ms").default(30_000),
    totalMs: z.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1 ms").max(3_600_000, "must be at most 3600000 ms").default(60_000),
  })
  .superRefine((t, ctx) => {
    if (t.connectMs > t.totalMs) ctx.addIssue({ code: "custom", path: ["connectMs"], message: "must not exceed totalMs" });
    if (t.responseHeaderMs > t.totalMs) ctx.addIssue({ code: "custom", path: ["responseHeaderMs"], message: "must not exceed totalMs" });
  });
export type Timeouts = z.infer<typeof TimeoutsSchema>;
export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 5_000, responseHeaderMs: 30_000, totalMs: 60_000 };

export const RouteSchema = z
  .object({
    name: NameSchema,
    hosts: z.array(HostPatternSchema).max(32, "a route can match at most 32 hosts").default([]),
    path: PathSchema,
    pathType: PathTypeSchema.default("prefix"),
    methods: z.array(MethodSchema).max(HTTP_METHODS.length).default([]),
    service: NameSchema,
    stripPrefix: z.boolean({ error: "must be true or false" }).default(false),
    timeouts: TimeoutsSchema.default(DEFAULT_TIMEOUTS),
    /** Shedding order under overload: low first, critical last. */
    priority: PrioritySchema.default("normal"),
    retries: RetriesSchema.default(DEFAULT_RETRIES),
    fallback: FallbackSchema.nullable().default(null),
    rateLimit: RateLimitSchema.nullable().default(null),
    split: TrafficSplitSchema.nullable().default(null),
    faults: FaultsSchema.nullable().default(null),
    /** Credentials the route requires (null: none). */
    auth: RouteAuthSchema.nullable().default(null),
    /** Client addresses (the real peer, never a header a client can forge) allowed; empty: everyone. */
    ipAllow: z.array(CidrSchema).max(100, "at most 100 entries").default([]),
    /** Client addresses refused, checked before ipAllow. */
    ipDeny: z.array(CidrSchema).max(100, "at most 100 entries").default([]),
    /** Larger request bodies get 413 (null: no limit). */
    maxBodyBytes: z
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(0, "must be 0 or more")
      .max(10 * 1024 ** 3, "must be at most 10 GiB")
      .nullable()
      .default(null),
  })
  .superRefine((route, ctx) => {
    if (route.pathType !== "template" && /[:*]/.test(route.path)) {
      ctx.addIssue({ code: "custom", path: ["path"], message: "may use : and * only with pathType template" });
    }
    if (route.pathType === "template") {
      const names = new Set<string>();
      for (const segment of route.path.split("/")) {
        if (segment.includes("*")) ctx.addIssue({ code: "custom", path: ["path"], message: "must not contain * (use pathType prefix)" });
        if (!segment.startsWith(":")) {
          if (segment.includes(":")) ctx.addIssue({ code: "custom", path: ["path"], message: `segment "${segment}" must be literal or a whole :param` });
          continue;
        }
        const name = segment.slice(1);
        if (!PARAM_NAME.test(name)) ctx.addIssue({ code: "custom", path: ["path"], message: `parameter "${segment}" needs a name of letters, digits or _` });
        else if (names.has(name)) ctx.addIssue({ code: "custom", path: ["path"], message: `parameter :${name} is used twice` });
        names.add(name);
      }
    }
    if (new Set(route.methods).size !== route.methods.length) {
      ctx.addIssue({ code: "custom", path: ["methods"], message: "lists a method twice" });
    }
    if (new Set(route.hosts).size !== route.hosts.length) {
      ctx.addIssue({ code: "custom", path: ["hosts"], message: "lists a host twice" });
    }
    if (route.rateLimit?.by === "consumer" && route.auth === null) {
      ctx.addIssue({ code: "custom", path: ["rateLimit", "by"], message: "counting per consumer needs auth on the route" });
    }
  });
export type Route = z.infer<typeof RouteSchema>;
export type RouteInput = z.input<typeof RouteSchema>;

/** The router paths a route claims, with parameter names erased so `/a/:id` and `/a/:x` collide. */
export function claimedPaths(route: Pick<Route, "path" | "pathType">): string[] {
  // Routing ignores a trailing slash (routeKey): `/exams/` and `/exams` are one claim for every path type.
  const path = routeKey(route.path);
  if (route.pathType === "exact") return [path];
  if (route.pathType === "template") return [path.replace(/\/:[^/]+/g, "/:")];
  return path === "/" ? ["/", "/*"] : [path, `${path}/*`];
}

/** The most entities of each kind a config may hold (parse-in-slices.ts checks the same bounds). */
export const CONFIG_LIMITS = { services: 10_000, routes: 50_000, consumers: 100_000 } as const;

const ConfigShape = z.object({
  services: z.array(ServiceSchema).max(CONFIG_LIMITS.services, "at most 10000 services").default([]),
  routes: z.array(RouteSchema).max(CONFIG_LIMITS.routes, "at most 50000 routes").default([]),
  consumers: z.array(ConsumerSchema).max(CONFIG_LIMITS.consumers, "at most 100000 consumers").default([]),
});

interface IssueSink {
  addIssue(issue: { code: "custom"; path: (string | number)[]; message: string }): void;
}

/**
 * The config's cross-field rules, in steps (services and consumers, then one route at a time) so that a worker
 * can check a large version in slices between which it serves requests (parse-in-slices.ts); the schema runs
 * every step at once. Route claims are kept per (host, path) with one owner per method: a version of 20,000 routes
 * made 280,000 string keys before.
 */
export function configChecker(config: Pick<z.output<typeof ConfigShape>, "services" | "routes" | "consumers">, ctx: IssueSink): { entities(): void; route(i: number): void } {
  const services = new Set<string>();
  const routeNames = new Set<string>();
  const claims = new Map<string, (string | undefined)[]>();
  return {
    entities() {
      config.services.forEach((s, i) => {
        if (services.has(s.name)) ctx.addIssue({ code: "custom", path: ["services", i, "name"], message: `a service named ${s.name} already exists` });
        services.add(s.name);
      });
      const consumers = new Set<string>();
      const keyHashes = new Map<string, string>();
      config.consumers.forEach((c, i) => {
        if (consumers.has(c.name)) ctx.addIssue({ code: "custom", path: ["consumers", i, "name"], message: `a consumer named ${c.name} already exists` });
        consumers.add(c.name);
        c.apiKeys.forEach((k, j) => {
          const owner = keyHashes.get(k.sha256);
          if (owner !== undefined) ctx.addIssue({ code: "custom", path: ["consumers", i, "apiKeys", j, "sha256"], message: `is also a key of consumer ${owner}` });
          keyHashes.set(k.sha256, c.name);
        });
      });
    },
    route(i) {
      const r = config.routes[i];
      if (routeNames.has(r.name)) ctx.addIssue({ code: "custom", path: ["routes", i, "name"], message: `a route named ${r.name} already exists` });
      routeNames.add(r.name);
      if (!services.has(r.service)) ctx.addIssue({ code: "custom", path: ["routes", i, "service"], message: `refers to service ${r.service}, which does not exist` });
      if (r.split) {
        if (!services.has(r.split.service)) ctx.addIssue({ code: "custom", path: ["routes", i, "split", "service"], message: `refers to service ${r.split.service}, which does not exist` });
        else if (r.split.service === r.service) ctx.addIssue({ code: "custom", path: ["routes", i, "split", "service"], message: "must differ from the route's own service" });
      }
      const hosts = r.hosts.length ? r.hosts : ["*"];
      const methods = r.methods.length ? r.methods : HTTP_METHODS;
      let reported = false;
      for (const host of hosts) {
        for (const path of claimedPaths(r)) {
          // Neither hosts nor paths contain spaces, so the key is unambiguous.
          const key = `${host} ${path}`;
          let owners = claims.get(key);
          if (owners === undefined) claims.set(key, (owners = []));
          for (const method of methods) {
            const m = METHOD_SLOT[method];
            const owner = owners[m];
            if (owner !== undefined && owner !== r.name && !reported) {
              reported = true;
              ctx.addIssue({ code: "custom", path: ["routes", i, "path"], message: `conflicts with route ${owner} (same host, path and method ${method})` });
            }
            owners[m] = r.name;
          }
        }
      }
    },
  };
}

const METHOD_SLOT: Readonly<Record<string, number>> = Object.fromEntries(HTTP_METHODS.map((m, i) => [m, i]));

export const GatewayConfigSchema = ConfigShape.superRefine((config, ctx) => {
  const check = configChecker(config, ctx);
  check.entities();
  for (let i = 0; i < config.routes.length; i++) check.route(i);
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof GatewayConfigSchema>;

export const EMPTY_CONFIG: GatewayConfig = { services: [], routes: [], consumers: [] };
