/**
 * How long the launcher waits before starting a service again after it exited on its own: 0.5 s, doubling
 * on each exit up to 30 s, so a service that dies as it starts (a bad setting, a port taken) does not spin;
 * one that stayed up a minute counts as healthy again, and its next exit waits 0.5 s.
 */
export class RestartBackoff {
  private attempt = 0;
  private startedAt = 0;

  constructor(private readonly options: { initialMs: number; maxMs: number; resetAfterMs: number } = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 }) {}

  /** The service was (re)started at `now`. */
  started(now: number): void {
    this.startedAt = now;
  }

  /** It exited at `now`: the wait before the next start. */
  delayAfterExit(now: number): number {
    if (now - this.startedAt >= this.options.resetAfterMs) this.attempt = 0;
    const delay = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.attempt);
    this.attempt++;
    return delay;
  }
}
