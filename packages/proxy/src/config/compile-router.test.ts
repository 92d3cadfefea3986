import FindMyWay from "find-my-way";
import { describe, expect, it, vi } from "vitest";
import { claimedPaths, GatewayConfigSchema, HTTP_METHODS, type GatewayConfigInput, type Route } from "@bulwark/config/schema";
import { routeKey } from "@bulwark/config/canonical-form";
import { compileRouter, compileRouterInSlices } from "./compile-router";

const routesOf = (routes: GatewayConfigInput["routes"]) => GatewayConfigSchema.parse({ services: [{ name: "s", targets: [{ address: "127.0.0.1:1" }] }], routes }).routes;

/** What the router did before: every pattern registered once per method, in per-method trees (a trailing slash ignored). */
function perMethodReference(routes: Route[]) {
  const tree = FindMyWay({ caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: 1000 });
  for (const r of routes) {
    const methods = (r.methods.length ? r.methods : HTTP_METHODS) as FindMyWay.HTTPMethod[];
    const paths = r.pathType === "template" ? [routeKey(r.path)] : claimedPaths(r);
    for (const host of r.hosts.length ? r.hosts : [null]) {
      for (const path of paths) {
        const constraint = host === null ? undefined : host.startsWith("*.") ? new RegExp(`^[^.]+${host.slice(1).replace(/[.]/g, "\\.")}$`) : host;
        tree.on(methods, path, constraint === undefined ? {} : { constraints: { host: constraint } }, () => {}, r.name);
      }
    }
  }
  return (method: string, path: string, host: string) => (tree.find(method as FindMyWay.HTTPMethod, routeKey(path), { host })?.store as string | undefined) ?? null;
}

/** A small deterministic generator, so a failure names a seed that reproduces it. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("compileRouter", () => {
  it("registers each pattern once and still sends a method a pattern lacks to the broader route that takes it", () => {
    const routes = routesOf([
      { name: "exams", path: "/exams", service: "s" },
      { name: "submit", path: "/exams/:id/submissions", pathType: "template", service: "s", methods: ["POST"] },
      { name: "exam", path: "/exams/:examId/submissions", pathType: "template", service: "s", methods: ["GET"] },
      { name: "health", path: "/exams/health", pathType: "exact", service: "s", methods: ["GET", "HEAD"] },
      { name: "tenant-admin", path: "/admin", service: "s", methods: ["DELETE"], hosts: ["*.campus.edu"] },
      { name: "admin", path: "/admin", service: "s" },
    ]);
    const router = compileRouter(routes.map((route) => ({ route, target: route.name })));
    const name = (m: string, p: string, h = "gw") => router.find(m, p, h)?.route ?? null;
    expect(name("POST", "/exams/e1/submissions")).toBe("submit");
    expect(name("GET", "/exams/e1/submissions")).toBe("exam");
    expect(name("PUT", "/exams/e1/submissions")).toBe("exams"); // neither template takes PUT: the prefix does
    expect(name("HEAD", "/exams/health")).toBe("health");
    expect(name("POST", "/exams/health")).toBe("exams");
    expect(name("DELETE", "/admin/x", "lyon.campus.edu")).toBe("tenant-admin");
    expect(name("GET", "/admin/x", "lyon.campus.edu")).toBe("admin");
    expect(name("TRACE", "/exams")).toBeNull();
    // Each route keeps its own parameter names, though the two templates are one pattern.
    expect(router.find("POST", "/exams/e1/submissions", "gw")?.params).toEqual({ id: "e1" });
    expect(router.find("GET", "/exams/e1/submissions", "gw")?.params).toEqual({ examId: "e1" });
  });

  it("matches a route by its own canonical spelling, encoded UTF-8 included, in both structures, and ignores a trailing slash", () => {
    const routes = routesOf([
      { name: "cafe", path: "/caf%c3%a9", service: "s" },
      { name: "cafe-host", path: "/caf%C3%A9/menu", service: "s", hosts: ["Menu.Example.edu."] },
      { name: "cafe-template", path: "/caf%C3%A9/:dish/price", pathType: "template", service: "s" },
      { name: "exact", path: "/exams/health/", pathType: "exact", service: "s" },
    ]);
    const router = compileRouter(routes.map((route) => ({ route, target: route.name })));
    const name = (p: string, h = "gw") => router.find("GET", p, h)?.route ?? null;
    expect(name("/caf%C3%A9")).toBe("cafe");
    expect(name("/caf%C3%A9/x")).toBe("cafe");
    expect(name("/caf%C3%A9/menu", "menu.example.edu")).toBe("cafe-host");
    expect(name("/caf%C3%A9/cr%C3%AApe/price")).toBe("cafe-template");
    expect(router.find("GET", "/caf%C3%A9/cr%C3%AApe/price", "gw")?.params).toEqual({ dish: "cr%C3%AApe" });
    expect(name("/exams/health")).toBe("exact");
    expect(name("/exams/health/")).toBe("exact");
    expect(name("/caf%C3%A9/cr%C3%AApe/price/")).toBe("cafe-template");
  });

  it("agrees with per-method registration on random route sets, methods, hosts and paths", () => {
    const segments = ["a", "b", "ab", "c"];
    const methods = [...HTTP_METHODS];
    for (let seed = 1; seed <= 60; seed++) {
      const random = rng(seed);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
      const input: GatewayConfigInput["routes"] = [];
      for (let i = 0; i < 14; i++) {
        const depth = 1 + Math.floor(random() * 3);
        const pathType = pick(["prefix", "prefix", "exact", "template"] as const);
        const parts = Array.from({ length: depth }, (_, d) => (pathType === "template" && d === depth - 1 && random() < 0.7 ? `:p${i}` : pick(segments)));
        const routeMethods = random() < 0.5 ? [] : methods.filter(() => random() < 0.3);
        input.push({ name: `r${i}`, path: `/${parts.join("/")}`, pathType, service: "s", methods: routeMethods, hosts: random() < 0.2 ? [pick(["x.edu", "*.edu"])] : [] });
      }
      // Keep only a set the schema accepts (it refuses routes claiming the same host, path and method).
      const accepted: GatewayConfigInput["routes"] = [];
      for (const r of input) if (GatewayConfigSchema.safeParse({ services: [{ name: "s", targets: [{ address: "127.0.0.1:1" }] }], routes: [...accepted, r] }).success) accepted.push(r);
      const routes = routesOf(accepted);
      const reference = perMethodReference(routes);
      const router = compileRouter(routes.map((route) => ({ route, target: route.name })));
      for (let q = 0; q < 300; q++) {
        const path = "/" + Array.from({ length: Math.floor(random() * 4) }, () => pick(segments)).join("/") + (random() < 0.1 ? "/" : "");
        const method = pick(methods);
        const host = pick(["x.edu", "y.edu", "gw"]);
        expect(router.find(method, path, host)?.route ?? null, `seed ${seed}: ${method} ${host}${path}`).toBe(reference(method, path, host));
      }
    }
  });

  it("looks a path of thousands of segments up in a few map lookups, not one per segment", () => {
    const routes = routesOf([
      { name: "a", path: "/a", service: "s" },
      { name: "ab", path: "/a/b", service: "s" },
      { name: "deep", path: "/x/y/z", pathType: "exact", service: "s" },
    ]);
    const router = compileRouter(routes.map((route) => ({ route, target: route.name })));
    const path = "/a/b" + "/c".repeat(5_000);
    const get = vi.spyOn(Map.prototype, "get");
    try {
      expect(router.find("GET", path, "gw")?.route).toBe("ab");
      expect(get.mock.calls.length).toBeLessThan(10);
    } finally {
      get.mockRestore();
    }
  });
});

describe("compileRouterInSlices", () => {
  it("builds the router compileRouter builds, giving the event loop back between steps", async () => {
    const routes = routesOf([
      { name: "exams", path: "/exams", service: "s" },
      { name: "submit", path: "/exams/:id/submissions", pathType: "template", service: "s", methods: ["POST"] },
      { name: "tenant", path: "/exams", service: "s", hosts: ["*.campus.edu"], methods: ["GET"] },
      { name: "health", path: "/health", pathType: "exact", service: "s" },
    ]);
    const entries = routes.map((route) => ({ route, target: route.name }));
    let yields = 0;
    const sliced = await compileRouterInSlices(entries, { due: () => true, yield: async () => void yields++ });
    const whole = compileRouter(entries);
    for (const [method, path, host] of [
      ["GET", "/exams/1/submissions", "gw"],
      ["POST", "/exams/1/submissions", "gw"],
      ["GET", "/exams/x", "lyon.campus.edu"],
      ["POST", "/exams/x", "lyon.campus.edu"],
      ["GET", "/health", "gw"],
      ["GET", "/nothing", "gw"],
    ]) {
      expect(sliced.find(method, path, host)?.route ?? null).toBe(whole.find(method, path, host)?.route ?? null);
    }
    expect(yields).toBeGreaterThanOrEqual(routes.length);
  });
});
