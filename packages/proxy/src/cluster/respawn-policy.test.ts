import { describe, expect, it } from "vitest";
import { RespawnPolicy } from "./respawn-policy";

const policy = () => new RespawnPolicy({ free: 2, baseMs: 250, maxMs: 10_000, quietMs: 30_000 });

describe("RespawnPolicy", () => {
  it("re-forks a worker that died on its own at once", () => {
    expect(policy().delayAfterDeath(1_000)).toBe(0);
  });

  it("re-forks every worker at once when they all die together", () => {
    const p = policy();
    expect([p.delayAfterDeath(1_000), p.delayAfterDeath(1_001)]).toEqual([0, 0]);
  });

  it("backs off, doubling up to the cap, while workers keep dying in quick succession", () => {
    const p = policy();
    const delays: number[] = [];
    let now = 0;
    for (let i = 0; i < 10; i++) {
      const d = p.delayAfterDeath(now);
      delays.push(d);
      now += d + 500; // the replacement dies half a second after it is forked
    }
    expect(delays).toEqual([0, 0, 250, 500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });

  it("forgets a streak after a quiet period, so a later death is answered at once again", () => {
    const p = policy();
    for (const t of [0, 10, 20, 30]) p.delayAfterDeath(t);
    expect(p.delayAfterDeath(40)).toBeGreaterThan(0);
    expect(p.delayAfterDeath(40 + 30_000)).toBe(0);
  });
});
