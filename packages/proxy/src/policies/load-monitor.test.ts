import { describe, expect, it } from "vitest";
import { LoadMonitor } from "./load-monitor";

describe("load monitor", () => {
  it("sheds low priority at half the in-flight limit, normal at 80%, critical only above the limit", () => {
    const m = new LoadMonitor({ maxInFlight: 100, maxLagMs: 100 });
    const shed = (inFlight: number) => {
      m.inFlight = inFlight;
      return [0, 1, 2].map((rank) => m.shouldShed(rank));
    };
    expect(shed(50)).toEqual([false, false, false]);
    expect(shed(51)).toEqual([false, false, true]);
    expect(shed(81)).toEqual([false, true, true]);
    expect(shed(101)).toEqual([true, true, true]);
  });

  it("sheds on event-loop delay, low first, never critical", () => {
    const m = new LoadMonitor({ maxInFlight: 100, maxLagMs: 100 });
    m.lagMs = 150;
    expect([0, 1, 2].map((r) => m.shouldShed(r))).toEqual([false, false, true]);
    m.lagMs = 250;
    expect([0, 1, 2].map((r) => m.shouldShed(r))).toEqual([false, true, true]);
    m.lagMs = 10_000;
    expect(m.shouldShed(0)).toBe(false);
  });
});
