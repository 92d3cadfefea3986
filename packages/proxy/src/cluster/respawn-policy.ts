/**
 * When to fork a worker again after one died. A death on its own (a SIGKILL, the OOM killer) is answered at
 * once: the gateway is a worker short until the new one listens. Deaths in quick succession are a crash loop
 * (a bad deploy, a worker that dies as it starts): after `free` of them, each waits twice as long as the last,
 * up to `maxMs`, so the primary does not spin forking; `quietMs` without a death ends the streak.
 */
export class RespawnPolicy {
  private streak = 0;
  private lastDeath = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: { free: number; baseMs: number; maxMs: number; quietMs: number }) {}

  /** A worker died at `now`: how long to wait before forking its replacement. */
  delayAfterDeath(now: number): number {
    if (now - this.lastDeath >= this.options.quietMs) this.streak = 0;
    this.lastDeath = now;
    this.streak++;
    const over = this.streak - this.options.free;
    return over <= 0 ? 0 : Math.min(this.options.maxMs, this.options.baseMs * 2 ** (over - 1));
  }
}

/** The gateway's policy: as many immediate re-forks as there are workers (they may all die at once), then 250 ms doubling to 10 s. */
export function gatewayRespawnPolicy(workers: number): RespawnPolicy {
  return new RespawnPolicy({ free: Math.max(2, workers), baseMs: 250, maxMs: 10_000, quietMs: 30_000 });
}
