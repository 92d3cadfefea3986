import { describe, expect, it } from "vitest";
import { formatIssues } from "./format-issues";
import { hashConfig } from "./hash-config";
import { diffConfig } from "./diff-config";
import { claimedPaths, GatewayConfigSchema, parseAddress, RouteSchema, ServiceSchema } from "./schema";

const service = { name: "catalog", targets: [{ address: "127.0.0.1:4001" }] };
const route = { name: "courses", path: "/courses", service: "catalog" };

function errorsOf(schema: { safeParse(v: unknown): { success: boolean; error?: import("zod").ZodError } }, value: unknown) {
  const r = schema.safeParse(value);
  expect(r.success).toBe(false);
  return formatIssues(r.error!);
}

describe("addresses", () => {
  it.each([
    ["127.0.0.1:4001", { host: "127.0.0.1", port: 4001 }],
    ["catalog.internal:80", { host: "catalog.internal", port: 80 }],
    ["[::1]:8080", { host: "::1", port: 8080 }],
  ])("accepts %s", (value, expected) => expect(parseAddress(value)).toEqual(expected));

  it.each(["nohost", "127.0.0.1", "host:0", "host:65536", "300.1.1.1:80", "bad_host:80", ":80", "host:8o"])("refuses %s", (value) => {
    expect(typeof parseAddress(value)).toBe("string");
  });
});

describe("service schema", () => {
  it("fills defaults", () => {
    expect(ServiceSchema.parse(service)).toEqual({
      name: "catalog",
      description: "",
      targets: [{ address: "127.0.0.1:4001", weight: 100 }],
      loadBalancing: { algorithm: "round-robin", hashOn: null },
      healthCheck: null,
      outlierDetection: null,
      circuitBreaker: null,
    });
  });
  it("fills health-check and outlier defaults and checks their fields", () => {
    const parsed = ServiceSchema.parse({ ...service, healthCheck: { path: "/health" }, outlierDetection: {} });
    expect(parsed.healthCheck).toEqual({ path: "/health", intervalMs: 5000, timeoutMs: 2000, healthyThreshold: 2, unhealthyThreshold: 3, expectedStatuses: [200] });
    expect(parsed.outlierDetection).toEqual({ consecutiveFailures: 5, baseEjectionMs: 30000, maxEjectionMs: 300000, maxEjectionPercent: 50 });
    expect(errorsOf(ServiceSchema, { ...service, healthCheck: { path: "health", intervalMs: 5000, timeoutMs: 1000, expectedStatuses: [] } })).toEqual([
      { path: "healthCheck.path", message: "must be a path starting with /" },
      { path: "healthCheck.expectedStatuses", message: "needs at least one status" },
    ]);
    expect(errorsOf(ServiceSchema, { ...service, healthCheck: { path: "/h", intervalMs: 1000, timeoutMs: 1000 } })).toEqual([
      { path: "healthCheck.timeoutMs", message: "must be shorter than intervalMs" },
    ]);
    expect(errorsOf(ServiceSchema, { ...service, outlierDetection: { consecutiveFailures: 0, maxEjectionPercent: 120 } })).toEqual([
      { path: "outlierDetection.consecutiveFailures", message: "must be at least 1" },
      { path: "outlierDetection.maxEjectionPercent", message: "must be 0 to 100" },
    ]);
  });
  it("checks the load-balancing settings against the algorithm", () => {
    const lb = (loadBalancing: unknown) => ({ ...service, loadBalancing });
    expect(ServiceSchema.safeParse(lb({ algorithm: "consistent-hash", hashOn: { source: "header", name: "x-student-id" } })).success).toBe(true);
    expect(ServiceSchema.safeParse(lb({ algorithm: "consistent-hash", hashOn: { source: "ip" } })).success).toBe(true);
    expect(errorsOf(ServiceSchema, lb({ algorithm: "consistent-hash" }))).toEqual([{ path: "loadBalancing.hashOn", message: "consistent-hash needs a header, cookie or ip to hash on" }]);
    expect(errorsOf(ServiceSchema, lb({ algorithm: "consistent-hash", hashOn: { source: "cookie", name: "" } }))).toEqual([
      { path: "loadBalancing.hashOn.name", message: "needs the cookie name to hash on" },
    ]);
    expect(errorsOf(ServiceSchema, lb({ algorithm: "least-requests", hashOn: { source: "ip" } }))).toEqual([{ path: "loadBalancing.hashOn", message: "is only used with consistent-hash" }]);
    expect(errorsOf(ServiceSchema, lb({ algorithm: "random" }))[0].path).toBe("loadBalancing.algorithm");
  });
  it("names each bad field", () => {
    expect(errorsOf(ServiceSchema, { name: "Bad Name", targets: [{ address: "x" }, { address: "1.2.3.4:1", weight: -1 }] })).toEqual([
      { path: "name", message: expect.stringContaining("lowercase") },
      { path: "targets.0.address", message: "must be host:port, for example 127.0.0.1:4001" },
      { path: "targets.1.weight", message: "must be 0 or more" },
    ]);
    expect(errorsOf(ServiceSchema, { name: "a", targets: [] })).toEqual([{ path: "targets", message: "a service needs at least one target" }]);
    expect(errorsOf(ServiceSchema, { name: "a", targets: [{ address: "h:1" }, { address: "h:1" }] })[0].path).toBe("targets.1.address");
  });
});

describe("route schema", () => {
  it("fills defaults", () => {
    expect(RouteSchema.parse(route)).toMatchObject({ hosts: [], methods: [], pathType: "prefix", stripPrefix: false, timeouts: { connectMs: 5000, responseHeaderMs: 30000, totalMs: 60000 } });
  });
  it.each([
    [{ path: "courses" }, "path", "must start with /"],
    [{ path: "/a//b" }, "path", "must not contain empty segments (//)"],
    [{ path: "/a/../b" }, "path", "must not contain . or .. segments"],
    [{ path: "/a/:id" }, "path", "may use : and * only with pathType template"],
    [{ path: "/a/:id/:id", pathType: "template" }, "path", "parameter :id is used twice"],
    [{ methods: ["GET", "GET"] }, "methods", "lists a method twice"],
    [{ methods: ["FETCH"] }, "methods.0", expect.stringContaining("must be one of")],
    [{ hosts: ["bad host"] }, "hosts.0", expect.stringContaining("host name")],
    [{ timeouts: { connectMs: 0 } }, "timeouts.connectMs", "must be at least 1 ms"],
    [{ timeouts: { connectMs: 5000, totalMs: 1000, responseHeaderMs: 500 } }, "timeouts.connectMs", "must not exceed totalMs"],
    [{ stripPrefix: "yes" }, "stripPrefix", "must be true or false"],
  ])("refuses %j at %s", (patch, path, message) => {
    expect(errorsOf(RouteSchema, { ...route, ...patch })).toContainEqual({ path, message });
  });
  it("claims prefix paths with and without a wildcard, templates with anonymous params", () => {
    expect(claimedPaths({ path: "/api/", pathType: "prefix" })).toEqual(["/api", "/api/*"]);
    expect(claimedPaths({ path: "/", pathType: "prefix" })).toEqual(["/", "/*"]);
    expect(claimedPaths({ path: "/a/:id/b", pathType: "template" })).toEqual(["/a/:/b"]);
  });
});

describe("gateway config cross-field rules", () => {
  it("accepts a consistent config", () => {
    expect(GatewayConfigSchema.safeParse({ services: [service], routes: [route] }).success).toBe(true);
  });
  it("refuses a route to a missing service, duplicate names and clashing routes", () => {
    const errors = errorsOf(GatewayConfigSchema, {
      services: [service, service],
      routes: [
        { ...route, service: "missing" },
        { ...route, name: "courses-exact", pathType: "exact" },
        { ...route, name: "by-id-a", path: "/c/:id", pathType: "template", methods: ["GET"] },
        { ...route, name: "by-id-b", path: "/c/:key", pathType: "template", methods: ["GET", "POST"] },
        { ...route, name: "other-host", hosts: ["a.example.edu"] },
      ],
    });
    expect(errors).toEqual([
      { path: "services.1.name", message: "a service named catalog already exists" },
      { path: "routes.0.service", message: "refers to service missing, which does not exist" },
      { path: "routes.1.path", message: "conflicts with route courses (same host, path and method GET)" },
      { path: "routes.3.path", message: "conflicts with route by-id-a (same host, path and method GET)" },
    ]);
  });
  it("lets two routes share a path on different methods or hosts", () => {
    const r = GatewayConfigSchema.safeParse({
      services: [service],
      routes: [
        { ...route, methods: ["GET"] },
        { ...route, name: "post", methods: ["POST"] },
        { ...route, name: "host", hosts: ["*.example.edu"] },
      ],
    });
    expect(r.success).toBe(true);
  });
});

describe("hash and diff", () => {
  it("hashes equal configs equally whatever the key order", () => {
    expect(hashConfig({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(hashConfig({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(hashConfig({ a: 1 })).not.toBe(hashConfig({ a: 2 }));
  });
  it("lists added, changed and removed entities", () => {
    const before = GatewayConfigSchema.parse({ services: [service], routes: [route] });
    const after = GatewayConfigSchema.parse({ services: [{ ...service, description: "x" }], routes: [{ ...route, name: "other" }] });
    expect(diffConfig(before, after)).toEqual([
      { kind: "service", name: "catalog", change: "changed" },
      { kind: "route", name: "other", change: "added" },
      { kind: "route", name: "courses", change: "removed" },
    ]);
  });
});
