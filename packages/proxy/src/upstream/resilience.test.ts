import { describe, expect, it } from "vitest";
import { CircuitBreaker, type BreakerPolicy, type BreakerState } from "./circuit-breaker";
import { OutlierDetector } from "./outlier-detector";
import { RetryBudget } from "../policies/retry-budget";
import { TokenBucket } from "../policies/token-bucket";

const policy: BreakerPolicy = { failureRateThreshold: 0.5, slowCallRateThreshold: 0.8, slowCallMs: 1000, windowMs: 10_000, minimumCalls: 10, openMs: 5_000, halfOpenProbes: 2 };

describe("circuit breaker", () => {
  it("opens on the failure rate, refuses while open, half-opens after the wait and closes on good probes", () => {
    let t = 0;
    const changes: BreakerState[] = [];
    const b = new CircuitBreaker(
      policy,
      () => t,
      (s) => changes.push(s),
    );
    for (let i = 0; i < 9; i++) {
      expect(b.tryAcquire()).toBe(true);
      b.record(i % 2 === 0, 10);
    }
    expect(b.state).toBe("closed"); // below minimumCalls
    b.record(false, 10);
    expect(b.state).toBe("open");
    expect(b.tryAcquire()).toBe(false);
    t += 5_000;
    expect(b.tryAcquire()).toBe(true);
    expect(b.state).toBe("half-open");
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // only two probes
    b.record(true, 10);
    b.record(true, 10);
    expect(b.state).toBe("closed");
    expect(changes).toEqual(["open", "half-open", "closed"]);
  });

  it("reopens when a probe fails, and opens on slow calls", () => {
    let t = 0;
    const b = new CircuitBreaker(policy, () => t);
    for (let i = 0; i < 10; i++) b.record(true, 2000);
    expect(b.state).toBe("open");
    t += 5_000;
    b.tryAcquire();
    b.record(false, 10);
    expect(b.state).toBe("open");
    expect(b.tryAcquire()).toBe(false);
  });

  it("gives a half-open probe slot back when its call tells nothing about the upstream", () => {
    let t = 0;
    const b = new CircuitBreaker({ ...policy, halfOpenProbes: 1 }, () => t);
    for (let i = 0; i < 10; i++) b.record(false, 10);
    t += 5_000;
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.cancel(); // the client went away
    expect(b.tryAcquire()).toBe(true);
    b.record(true, 10);
    expect(b.state).toBe("closed");
  });

  it("forgets outcomes older than the window", () => {
    let t = 0;
    const b = new CircuitBreaker(policy, () => t);
    for (let i = 0; i < 9; i++) b.record(false, 10);
    t += 11_000;
    b.record(false, 10);
    expect(b.state).toBe("closed");
  });
});

describe("retry budget", () => {
  it("allows retries up to 20% of requests in flight, with a floor of 3", () => {
    const budget = new RetryBudget(0.2, 3);
    for (let i = 0; i < 100; i++) budget.requestStarted();
    let granted = 0;
    while (budget.tryRetry()) granted++;
    expect(granted).toBe(20);
    budget.retryFinished();
    expect(budget.tryRetry()).toBe(true);
    const small = new RetryBudget(0.2, 3);
    small.requestStarted();
    expect([small.tryRetry(), small.tryRetry(), small.tryRetry(), small.tryRetry()]).toEqual([true, true, true, false]);
  });
});

describe("token bucket", () => {
  it("allows a burst of its capacity, then refills at its rate", () => {
    let t = 0;
    const bucket = new TokenBucket(5, 10, () => t);
    expect(Array.from({ length: 6 }, () => bucket.tryTake())).toEqual([true, true, true, true, true, false]);
    expect(bucket.msUntilNext).toBe(100);
    t += 100;
    expect(bucket.tryTake()).toBe(true);
    t += 10_000;
    expect(bucket.remaining).toBe(5);
  });
});

describe("outlier detector", () => {
  it("ejects after consecutive failures for base x count, never more than the max share, and recovers", () => {
    let t = 0;
    const d = new OutlierDetector(
      { consecutiveFailures: 3, baseEjectionMs: 1000, maxEjectionMs: 10_000, maxEjectionPercent: 0.5 },
      () => 4,
      () => t,
    );
    d.recordFailure("a");
    d.recordFailure("a");
    d.recordSuccess("a");
    d.recordFailure("a");
    d.recordFailure("a");
    expect(d.isEjected("a")).toBe(false);
    expect(d.recordFailure("a")).toBe(true);
    expect(d.isEjected("a")).toBe(true);
    for (let i = 0; i < 3; i++) d.recordFailure("b");
    expect(d.isEjected("b")).toBe(true);
    for (let i = 0; i < 3; i++) d.recordFailure("c");
    expect(d.isEjected("c")).toBe(false); // 2 of 4 already ejected
    t += 1000;
    expect(d.isEjected("a")).toBe(false);
    for (let i = 0; i < 3; i++) d.recordFailure("a");
    t += 1999;
    expect(d.isEjected("a")).toBe(true); // second ejection lasts 2 s
    d.markHealthy("a");
    expect(d.isEjected("a")).toBe(false);
  });
});
