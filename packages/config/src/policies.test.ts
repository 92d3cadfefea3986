import { describe, expect, it } from "vitest";
import { formatIssues } from "./format-issues";
import { GatewayConfigSchema, RouteSchema, ServiceSchema } from "./schema";

const service = { name: "catalog", targets: [{ address: "127.0.0.1:4001" }] };
const route = { name: "courses", path: "/courses", service: "catalog" };

function errorsOf(schema: { safeParse(v: unknown): { success: boolean; error?: import("zod").ZodError } }, value: unknown) {
  const r = schema.safeParse(value);
  expect(r.success).toBe(false);
  return formatIssues(r.error!);
}

describe("route policies", () => {
  it("default to normal priority and retries on connection failures for idempotent methods, everything else off", () => {
    expect(RouteSchema.parse(route)).toMatchObject({
      priority: "normal",
      retries: { attempts: 1, statuses: [], methods: ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"], backoffMs: 25, maxBackoffMs: 250, budgetPercent: 20, minRetryConcurrency: 3 },
      fallback: null,
      rateLimit: null,
      split: null,
      faults: null,
      maxBodyBytes: null,
    });
  });

  it("fills the defaults of each policy once it is switched on", () => {
    const parsed = RouteSchema.parse({ ...route, fallback: {}, rateLimit: {}, faults: { abort: { percent: 10 } } });
    expect(parsed.fallback).toEqual({ status: 503, headers: { "content-type": "application/json" }, body: "", lastGood: false });
    expect(parsed.rateLimit).toEqual({ requests: 100, windowMs: 1000, by: "route", header: "" });
    expect(parsed.faults).toEqual({ abort: { percent: 10, status: 503 }, delay: null });
    expect(ServiceSchema.parse({ ...service, circuitBreaker: {} }).circuitBreaker).toEqual({
      failureRatePercent: 50,
      slowCallRatePercent: 100,
      slowCallMs: 5000,
      windowMs: 10000,
      minimumCalls: 20,
      openMs: 30000,
      halfOpenProbes: 3,
    });
  });

  it.each([
    [{ priority: "urgent" }, "priority", "must be critical, normal or low"],
    [{ retries: { attempts: 9 } }, "retries.attempts", "must be at most 5"],
    [{ retries: { backoffMs: 500, maxBackoffMs: 100 } }, "retries.maxBackoffMs", "must be at least backoffMs"],
    [{ retries: { statuses: [503, 503] } }, "retries.statuses", "lists a status twice"],
    [{ retries: { methods: ["FETCH"] } }, "retries.methods.0", expect.stringContaining("must be one of")],
    [{ fallback: { status: 42 } }, "fallback.status", "must be an HTTP status"],
    [{ fallback: { headers: { "bad header": "x" } } }, "fallback.headers.bad header", expect.stringContaining("header name")],
    [{ fallback: { headers: { "x-a": "line\r\nbreak" } } }, "fallback.headers.x-a", expect.stringContaining("printable")],
    [{ rateLimit: { by: "header" } }, "rateLimit.header", "needs the header to count by, for example x-api-key"],
    [{ rateLimit: { by: "ip", header: "x-api-key" } }, "rateLimit.header", "is only used with by: header"],
    [{ rateLimit: { requests: 0 } }, "rateLimit.requests", "must be at least 1"],
    [{ split: { service: "v2", percent: 150 } }, "split.percent", "must be 0 to 100"],
    [{ split: { service: "v2", header: { name: "x-canary", value: "" } } }, "split.header.value", "is required"],
    [{ faults: {} }, "faults", "needs an abort or a delay (or set faults to null)"],
    [{ faults: { delay: { percent: 5, ms: 0 } } }, "faults.delay.ms", "must be at least 1 ms"],
    [{ maxBodyBytes: -1 }, "maxBodyBytes", "must be 0 or more"],
  ])("refuses %j at %s", (patch, path, message) => {
    expect(errorsOf(RouteSchema, { ...route, ...patch })).toContainEqual({ path, message });
  });

  it("refuses breaker settings out of range", () => {
    expect(errorsOf(ServiceSchema, { ...service, circuitBreaker: { failureRatePercent: 0, windowMs: 10 } })).toEqual([
      { path: "circuitBreaker.failureRatePercent", message: "must be 1 to 100" },
      { path: "circuitBreaker.windowMs", message: "must be at least 1000 ms" },
    ]);
  });

  it("checks that a traffic split names another existing service", () => {
    const v2 = { ...service, name: "catalog-v2" };
    expect(GatewayConfigSchema.safeParse({ services: [service, v2], routes: [{ ...route, split: { service: "catalog-v2", percent: 10 } }] }).success).toBe(true);
    expect(errorsOf(GatewayConfigSchema, { services: [service], routes: [{ ...route, split: { service: "nope", percent: 10 } }] })).toEqual([
      { path: "routes.0.split.service", message: "refers to service nope, which does not exist" },
    ]);
    expect(errorsOf(GatewayConfigSchema, { services: [service], routes: [{ ...route, split: { service: "catalog", percent: 10 } }] })).toEqual([
      { path: "routes.0.split.service", message: "must differ from the route's own service" },
    ]);
  });
});
