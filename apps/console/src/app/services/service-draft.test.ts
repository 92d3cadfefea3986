import { describe, expect, it } from "vitest";
import { ServiceSchema } from "@bulwark/config/schema";
import { blankService, fromService, serviceErrorPaths, toServiceBody } from "./service-draft";

describe("service form drafts", () => {
  const named = () => ({ ...blankService(), name: "catalog", targets: [{ key: 1, address: "127.0.0.1:4001", weight: "100" }] });

  it("sends no circuit breaker until it is switched on, then the schema's defaults for blank fields", () => {
    expect(ServiceSchema.parse(toServiceBody(named())).circuitBreaker).toBeNull();
    const d = named();
    d.circuitBreaker = { ...d.circuitBreaker, enabled: true, failureRatePercent: "25", openMs: "" };
    const saved = ServiceSchema.parse(toServiceBody(d));
    expect(saved.circuitBreaker).toEqual({ failureRatePercent: 25, slowCallRatePercent: 100, slowCallMs: 5000, windowMs: 10000, minimumCalls: 20, openMs: 30000, halfOpenProbes: 3 });
    expect(ServiceSchema.parse(toServiceBody(fromService(saved)))).toEqual(saved);
  });

  it("shows breaker errors at their inputs while the breaker is on", () => {
    const on = named();
    on.circuitBreaker.enabled = true;
    expect(serviceErrorPaths(on)("circuitBreaker.windowMs")).toBe(true);
    expect(serviceErrorPaths(named())("circuitBreaker.windowMs")).toBe(false);
  });
});
