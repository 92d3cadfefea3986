/**
 * A token bucket: `capacity` tokens, refilled at `ratePerSec`. Refill is computed lazily on each take, so an
 * idle bucket costs nothing.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly ratePerSec: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.updatedAt = now();
  }

  private refill() {
    const t = this.now();
    const elapsed = t - this.updatedAt;
    if (elapsed > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.ratePerSec) / 1000);
      this.updatedAt = t;
    }
  }

  /** Takes one token; false when empty. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Empty as of the last take (no clock read: for the caller that just took). */
  get emptied(): boolean {
    return this.tokens < 1;
  }

  /** The next take would be refused. */
  get exhausted(): boolean {
    this.refill();
    return this.tokens < 1;
  }

  /** How full the bucket is, 0 to 1: a full bucket is the same as a fresh one, so forgetting it loses nothing. */
  get fill(): number {
    this.refill();
    return this.tokens / this.capacity;
  }

  /** Tokens left, rounded down (the RateLimit-Remaining header). */
  get remaining(): number {
    this.refill();
    return Math.floor(this.tokens);
  }

  /** Milliseconds until a token is available (0 when one is); the Retry-After header rounds it up to seconds. */
  get msUntilNext(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSec);
  }
}
