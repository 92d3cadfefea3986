import { describe, expect, it } from "vitest";
import { formatIssues } from "@bulwark/config/errors";
import { RouteSchema } from "@bulwark/config/schema";
import { redactEntity } from "@bulwark/config/secrets";
import { ApiError } from "@/lib/api";
import { blankRoute, fromRoute, routeErrorPaths, toRouteBody, type RouteDraft } from "./route-draft";
import { routeBadges } from "./route-policy-badges";

const base = (): RouteDraft => ({ ...blankRoute("catalog"), name: "courses", path: "/courses" });
const errorsOf = (body: unknown) => {
  const r = RouteSchema.safeParse(body);
  return r.success ? [] : formatIssues(r.error);
};

/** A draft with every optional policy switched on, as an operator would fill it in. */
function everything(): RouteDraft {
  const d = base();
  return {
    ...d,
    priority: "critical",
    maxBodyBytes: "1048576",
    retries: { ...d.retries, attempts: "2", statuses: "502, 503", backoffMs: "50", maxBackoffMs: "500" },
    fallback: { ...d.fallback, enabled: true, status: "503", headers: [...d.fallback.headers, { key: 99, name: "retry-after", value: "5" }], body: '{"error":"later"}' },
    rateLimit: { ...d.rateLimit, enabled: true, requests: "100", windowMs: "1000", by: "header", header: "x-api-key" },
    split: { ...d.split, enabled: true, service: "catalog-v2", percent: "10", headerEnabled: true, headerName: "x-canary", headerValue: "1" },
    faults: { ...d.faults, enabled: true, abort: true, abortPercent: "5", abortStatus: "503" },
  };
}

describe("route form drafts", () => {
  it("sends a new route that the schema fills with exactly its defaults: retries on, every other policy off", () => {
    const parsed = RouteSchema.parse(toRouteBody(base()));
    expect(parsed).toEqual(RouteSchema.parse({ name: "courses", path: "/courses", service: "catalog" }));
  });

  it("round-trips every policy: saved, loaded back into the form, and sent again unchanged", () => {
    const saved = RouteSchema.parse(toRouteBody(everything()));
    expect(saved).toMatchObject({
      priority: "critical",
      maxBodyBytes: 1048576,
      retries: { attempts: 2, statuses: [502, 503], backoffMs: 50, maxBackoffMs: 500 },
      fallback: { status: 503, headers: { "content-type": "application/json", "retry-after": "5" }, body: '{"error":"later"}', lastGood: false },
      rateLimit: { requests: 100, windowMs: 1000, by: "header", header: "x-api-key" },
      split: { service: "catalog-v2", percent: 10, header: { name: "x-canary", value: "1" } },
      faults: { abort: { percent: 5, status: 503 }, delay: null },
    });
    expect(RouteSchema.parse(toRouteBody(fromRoute(redactEntity("routes", saved))))).toEqual(saved);
  });

  it("leaves blank numbers out so the schema's defaults apply, but never turns text into 'no body limit'", () => {
    const d = everything();
    d.rateLimit = { ...d.rateLimit, requests: " ", windowMs: "" };
    expect(RouteSchema.parse(toRouteBody(d)).rateLimit).toMatchObject({ requests: 100, windowMs: 1000 });
    expect(errorsOf(toRouteBody({ ...base(), maxBodyBytes: "1 MB" }))).toEqual([{ path: "maxBodyBytes", message: "must be a number" }]);
    expect(RouteSchema.parse(toRouteBody({ ...base(), maxBodyBytes: "" })).maxBodyBytes).toBeNull();
  });

  it("refuses a fallback header listed twice (names ignore case) instead of silently keeping one", () => {
    const d = everything();
    d.fallback.headers.push({ key: 100, name: "Retry-After", value: "9" });
    const thrown = (() => {
      try {
        toRouteBody(d);
      } catch (e) {
        return e;
      }
    })();
    expect(thrown).toBeInstanceOf(ApiError);
    expect((thrown as ApiError).fields).toEqual([{ path: "fallback.headers.Retry-After", message: "is listed twice" }]);
  });

  it("shows every policy error the server can send at an input, and the rest in the banner", () => {
    const all = everything();
    const known = routeErrorPaths({ ...all, fallback: { ...all.fallback, headers: [{ key: 1, name: "bad header", value: "x" }] }, faults: { ...all.faults, delay: true } });
    expect(known("fallback.headers.content-type")).toBe(false);
    const saved = RouteSchema.parse(toRouteBody(everything()));
    const paths = [
      { retries: { backoffMs: 500, maxBackoffMs: 100, statuses: [503, 503], methods: ["GET", "GET"] } },
      { retries: { attempts: 9, statuses: [42], methods: ["FETCH"], budgetPercent: 101, minRetryConcurrency: -1 } },
      { rateLimit: { requests: 0, windowMs: 1, by: "header" } },
      { split: { service: "", percent: 150, header: { name: "", value: "" } } },
      { faults: { abort: { percent: 1, status: 42 }, delay: { percent: 200, ms: 0 } } },
      { fallback: { status: 42, headers: { "bad header": "x" }, body: "x".repeat(70_000), lastGood: "yes" } },
      { faults: {}, priority: "urgent", maxBodyBytes: -1 },
    ].flatMap((patch) => errorsOf({ ...saved, ...patch }).map((f) => f.path));
    paths.push("split.service");
    expect(paths).toContain("retries.maxBackoffMs");
    expect(paths).toContain("faults.delay.ms");
    expect(paths).toContain("fallback.headers.bad header");
    expect(paths).toContain("retries.methods.0");
    for (const p of paths) expect(known(p), p).toBe(true);
    // Not on screen: the header input is hidden unless counting by header, and unknown paths stay unknown.
    const byIp = routeErrorPaths({ ...everything(), rateLimit: { ...everything().rateLimit, by: "ip" } });
    expect(byIp("rateLimit.header")).toBe(false);
    expect(routeErrorPaths(base())("faults.abort.percent")).toBe(false);
    expect(routeErrorPaths(base())("faults")).toBe(true);
    expect(routeErrorPaths(base())("routes.3.split.service")).toBe(false);
  });

  it("summarises policies as table badges, fault injection first", () => {
    const saved = RouteSchema.parse(toRouteBody({ ...everything(), rateLimit: { ...everything().rateLimit, by: "ip", header: "" } }));
    expect(routeBadges(redactEntity("routes", saved), true).map((b) => b.text)).toEqual([
      "critical",
      "faults",
      "canary 10% → catalog-v2",
      "rate 100/1s per ip",
      "fallback 503",
      "breaker",
      "retry ×2",
      "body ≤ 1 MiB",
    ]);
    expect(routeBadges(redactEntity("routes", RouteSchema.parse(toRouteBody(base()))), false)).toEqual([]);
  });
});
