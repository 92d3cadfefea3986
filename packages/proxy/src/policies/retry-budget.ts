/**
 * Envoy's retry budget: retries in flight may be at most `percent` of the requests in flight, but never fewer
 * than `minConcurrency`, so a failing upstream sees at most about (1 + percent) times its normal load.
 */
export class RetryBudget {
  private active = 0;
  private retries = 0;

  constructor(
    private readonly percent = 0.2,
    private readonly minConcurrency = 3,
  ) {}

  requestStarted(): void {
    this.active++;
  }

  requestFinished(): void {
    this.active--;
  }

  /** Takes a retry slot if the budget allows; call retryFinished when that retry attempt ends. */
  tryRetry(): boolean {
    const allowed = Math.max(this.minConcurrency, Math.floor(this.active * this.percent));
    if (this.retries >= allowed) return false;
    this.retries++;
    return true;
  }

  retryFinished(): void {
    this.retries--;
  }

  get inFlight(): { requests: number; retries: number } {
    return { requests: this.active, retries: this.retries };
  }
}
