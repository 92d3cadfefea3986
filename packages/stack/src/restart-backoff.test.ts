import { describe, expect, it } from "vitest";
import { RestartBackoff } from "./restart-backoff";

describe("RestartBackoff", () => {
  it("waits half a second, doubling on each quick exit up to 30 s", () => {
    const backoff = new RestartBackoff();
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      backoff.started(now);
      now += 1_000; // dies a second after each start
      const d = backoff.delayAfterExit(now);
      delays.push(d);
      now += d;
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it("starts over at half a second once the service stayed up a minute", () => {
    const backoff = new RestartBackoff();
    backoff.started(0);
    expect(backoff.delayAfterExit(10)).toBe(500);
    backoff.started(510);
    expect(backoff.delayAfterExit(520)).toBe(1_000);
    backoff.started(1_520);
    expect(backoff.delayAfterExit(1_520 + 59_999)).toBe(2_000);
    backoff.started(100_000);
    expect(backoff.delayAfterExit(160_000)).toBe(500);
  });
});
