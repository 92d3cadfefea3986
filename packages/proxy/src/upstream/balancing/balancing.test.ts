import { describe, expect, it } from "vitest";
import { HashRing } from "./hash-ring";
import { PeakEwma, pickTwoChoices } from "./peak-ewma";

describe("hash ring", () => {
  const targets = ["a:1", "b:1", "c:1", "d:1"];
  const ring = new HashRing(targets, [100, 100, 100, 100], (t) => t);

  it("sends the same key to the same target and spreads keys over all targets", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const t = ring.pick(`student-${i}`)!;
      expect(ring.pick(`student-${i}`)).toBe(t);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    for (const t of targets) expect(counts.get(t)).toBeGreaterThan(600);
  });

  it("moves only the keys of a target that becomes unusable", () => {
    let moved = 0;
    for (let i = 0; i < 2000; i++) {
      const before = ring.pick(`k${i}`)!;
      const after = ring.pick(`k${i}`, (t) => t !== "b:1")!;
      if (before !== "b:1") expect(after).toBe(before);
      else moved++;
      expect(after).not.toBe("b:1");
    }
    expect(moved).toBeGreaterThan(0);
  });
});

describe("peak EWMA and two choices", () => {
  it("jumps up on a slow answer at once and decays back", () => {
    let t = 0;
    const e = new PeakEwma(10_000, () => t, 10);
    e.observe(500);
    expect(e.load()).toBe(500);
    t += 30_000;
    e.observe(10);
    expect(e.load()).toBeLessThan(40);
  });

  it("prefers the less loaded of two candidates", () => {
    const load = (t: string) => (t === "slow" ? 100 : 1);
    const picks = new Map<string, number>();
    let r = 0;
    const seq = [0.1, 0.9, 0.6, 0.2, 0.4, 0.7];
    for (let i = 0; i < 60; i++) {
      const p = pickTwoChoices(["slow", "fast-1", "fast-2"], load, () => seq[r++ % seq.length])!;
      picks.set(p, (picks.get(p) ?? 0) + 1);
    }
    expect(picks.get("slow") ?? 0).toBe(0);
  });
});
