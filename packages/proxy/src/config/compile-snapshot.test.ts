import { describe, expect, it } from "vitest";
import { GatewayConfigSchema, type GatewayConfigInput } from "@bulwark/config/schema";
import { compileSnapshot, type RuntimeRegistry } from "./compile-snapshot";
import { SmoothWeightedRoundRobin } from "../upstream/balancing/smooth-weighted-round-robin";

const compile = (input: GatewayConfigInput, registry?: RuntimeRegistry) => compileSnapshot(GatewayConfigSchema.parse(input), { version: 1, hash: "h" }, registry);
const svc = (name: string, ...addresses: string[]) => ({ name, targets: addresses.map((address) => ({ address })) });

describe("compileSnapshot", () => {
  const snap = compile({
    services: [svc("catalog", "127.0.0.1:1"), svc("exams", "127.0.0.1:2"), svc("tenant", "127.0.0.1:3")],
    routes: [
      { name: "catalog", path: "/catalog", service: "catalog", stripPrefix: true },
      { name: "course", path: "/courses/:id", pathType: "template", service: "catalog", methods: ["GET"] },
      { name: "submit", path: "/exams/:id/submissions", pathType: "template", service: "exams", methods: ["POST"], stripPrefix: true },
      { name: "health", path: "/health", pathType: "exact", service: "exams" },
      { name: "tenant", path: "/catalog", service: "tenant", hosts: ["*.campus.edu"] },
      { name: "root", path: "/", service: "catalog" },
    ],
  });
  const name = (method: string, path: string, host = "gw.local") => snap.match(method, path, host)?.route.name ?? null;

  it("matches a prefix route at and below its path, but not a longer word", () => {
    expect(name("GET", "/catalog")).toBe("catalog");
    expect(name("GET", "/catalog/")).toBe("catalog");
    expect(name("DELETE", "/catalog/a/b")).toBe("catalog");
    expect(name("GET", "/catalogue")).toBe("root");
  });

  it("matches exact paths exactly and templates with their parameters and methods", () => {
    expect(name("GET", "/health")).toBe("health");
    expect(name("GET", "/health/x")).toBe("root");
    expect(snap.match("GET", "/courses/cs101", "x")?.params).toEqual({ id: "cs101" });
    expect(name("POST", "/courses/cs101")).toBe("root");
    expect(name("POST", "/exams/e1/submissions")).toBe("submit");
    expect(name("TRACE", "/health")).toBeNull();
  });

  it("prefers a route whose host pattern matches", () => {
    expect(name("GET", "/catalog/x", "lyon.campus.edu")).toBe("tenant");
    expect(name("GET", "/catalog/x", "campus.edu")).toBe("catalog");
  });

  it("precomputes the strip-prefix length from the route's literal prefix", () => {
    expect(snap.match("GET", "/catalog/x", "h")?.route.stripLength).toBe("/catalog".length);
    expect(snap.match("POST", "/exams/1/submissions", "h")?.route.stripLength).toBe("/exams".length);
    expect(snap.match("GET", "/health", "h")?.route.stripLength).toBe(0);
  });

  it("keeps balancer state across reloads for unchanged services only", () => {
    const registry: RuntimeRegistry = new Map();
    const routes = [
      { name: "ra", path: "/a", service: "a" },
      { name: "rb", path: "/b", service: "b" },
    ];
    const runtimeOf = (snap: ReturnType<typeof compile>, path: string) => snap.match("GET", path, "h")!.route.service.runtime;
    const first = compile({ services: [svc("a", "h:1", "h:2"), svc("b", "h:3")], routes }, registry);
    const again = compile({ services: [svc("a", "h:1", "h:2"), svc("b", "h:4")], routes }, registry);
    expect(runtimeOf(again, "/a")).toBe(runtimeOf(first, "/a"));
    expect(runtimeOf(again, "/a").balancer).toBe(runtimeOf(first, "/a").balancer);
    expect(runtimeOf(again, "/b")).not.toBe(runtimeOf(first, "/b"));
    // The changed service's old state is dropped, not kept beside the new one.
    expect(registry.size).toBe(4);
    expect([...registry.values()]).not.toContain(runtimeOf(first, "/b"));
    expect(first).not.toBe(again);
    expect(Object.isFrozen(again)).toBe(true);
  });
});

describe("compiled route policies", () => {
  const routeOf = (route: Record<string, unknown>, services = [svc("a", "h:1"), svc("b", "h:2")]) =>
    compile({ services, routes: [{ name: "r", path: "/r", service: "a", ...route }] }).match("GET", "/r", "h")!.route;

  it("leave a policy that is off out of the route's chain: only load shedding runs for a plain route", () => {
    const plain = routeOf({});
    expect(plain.chain.admit).toHaveLength(1);
    expect(plain.chain.route).toHaveLength(0);
    expect(plain.chain.respond).toHaveLength(0);
    expect(plain.maxBodyBytes).toBe(Infinity);
    expect(plain.retry?.attempts).toBe(1);
    expect(routeOf({ retries: { attempts: 0 } }).retry).toBeNull();
    const busy = routeOf({ maxBodyBytes: 10, rateLimit: {}, faults: { abort: { percent: 1 }, delay: { percent: 1, ms: 5 } } });
    expect(busy.chain.admit).toHaveLength(5);
    expect(routeOf({ faults: { abort: { percent: 0 } } }).chain.admit).toHaveLength(1); // a 0% fault costs nothing
    expect(routeOf({ fallback: { status: 503, body: "{}", lastGood: true } }).chain.respond).toHaveLength(2);
    expect(routeOf({ fallback: { status: 503, body: "{}" } }).chain.respond).toHaveLength(1);
  });

  it("compile the retry statuses, and a split into the route phase", () => {
    const r = routeOf({ retries: { statuses: [503] }, split: { service: "b", percent: 10, header: { name: "X-Canary", value: "1" } } });
    expect(r.retry!.statuses[503]).toBe(1);
    expect(r.retry!.statuses[502]).toBe(0);
    expect(r.chain.route).toHaveLength(1);
  });

  it("keep a route's retry budget and kept responses across reloads while its settings are unchanged", () => {
    const registry: RuntimeRegistry = new Map();
    const config = (budgetPercent: number) => ({ services: [svc("a", "h:1")], routes: [{ name: "r", path: "/r", service: "a", retries: { budgetPercent } }] });
    const first = compile(config(20), registry).match("GET", "/r", "h")!.route.runtime;
    expect(compile(config(20), registry).match("GET", "/r", "h")!.route.runtime).toBe(first);
    expect(compile(config(30), registry).match("GET", "/r", "h")!.route.runtime).not.toBe(first);
  });
});

describe("smooth weighted round-robin", () => {
  it("gives each target its weight's share, interleaved, skipping weight 0 and unusable targets", () => {
    const b = new SmoothWeightedRoundRobin([5, 1, 1, 0]);
    const picks = Array.from({ length: 7 }, () => b.pick());
    expect(picks).toEqual([0, 0, 1, 0, 2, 0, 0]);
    expect(Array.from({ length: 4 }, () => b.pick((i) => i !== 0))).toEqual([1, 2, 1, 2]);
    expect(new SmoothWeightedRoundRobin([1]).pick(() => false)).toBe(-1);
  });
});
