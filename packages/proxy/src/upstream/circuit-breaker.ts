export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerPolicy {
  /** Open when at least this share (0..1) of calls in the window failed... */
  failureRateThreshold: number;
  /** ...or at least this share were slower than slowCallMs. */
  slowCallRateThreshold: number;
  slowCallMs: number;
  /** Length of the sliding window the rates are computed over. */
  windowMs: number;
  /** No decision before the window holds this many calls. */
  minimumCalls: number;
  /** How long to stay open before letting probes through. */
  openMs: number;
  /** Probe calls allowed in half-open; all must succeed to close. */
  halfOpenProbes: number;
}

const SLOTS = 10;

/**
 * A per-service circuit breaker (as in resilience4j and Envoy's outlier-driven breakers): closed counts
 * outcomes in a sliding window of SLOTS time slots; open refuses calls for openMs; half-open lets a few probes
 * through and closes only if they all succeed. Time comes from `now`, so tests drive it without sleeping.
 */
export class CircuitBreaker {
  state: BreakerState = "closed";
  private openedAt = 0;
  private probesStarted = 0;
  private probesSucceeded = 0;
  private readonly slotMs: number;
  private readonly calls = new Array<number>(SLOTS).fill(0);
  private readonly failures = new Array<number>(SLOTS).fill(0);
  private readonly slow = new Array<number>(SLOTS).fill(0);
  private slotStart = new Array<number>(SLOTS).fill(-1);

  constructor(
    private readonly policy: BreakerPolicy,
    private readonly now: () => number = Date.now,
    private readonly onChange: (state: BreakerState) => void = () => {},
  ) {
    this.slotMs = Math.max(1, Math.ceil(policy.windowMs / SLOTS));
  }

  /** Whether a call may go ahead now. A true answer in half-open takes one probe slot. */
  tryAcquire(): boolean {
    if (this.state === "open") {
      if (this.now() - this.openedAt < this.policy.openMs) return false;
      this.transition("half-open");
    }
    if (this.state === "half-open") {
      if (this.probesStarted >= this.policy.halfOpenProbes) return false;
      this.probesStarted++;
    }
    return true;
  }

  /** An acquired call ended without telling anything about the upstream (the client left, the gateway refused it). */
  cancel(): void {
    if (this.state === "half-open" && this.probesStarted > this.probesSucceeded) this.probesStarted--;
  }

  /** Reports how an acquired call ended. */
  record(success: boolean, durationMs: number): void {
    if (this.state === "half-open") {
      if (!success) return this.trip();
      if (++this.probesSucceeded >= this.policy.halfOpenProbes) this.transition("closed");
      return;
    }
    if (this.state === "open") return;
    const t = this.now();
    const slot = Math.floor(t / this.slotMs);
    const i = slot % SLOTS;
    if (this.slotStart[i] !== slot) {
      this.slotStart[i] = slot;
      this.calls[i] = this.failures[i] = this.slow[i] = 0;
    }
    this.calls[i]++;
    if (!success) this.failures[i]++;
    if (durationMs >= this.policy.slowCallMs) this.slow[i]++;
    let calls = 0;
    let failures = 0;
    let slow = 0;
    for (let j = 0; j < SLOTS; j++) {
      if (slot - this.slotStart[j] >= SLOTS || this.slotStart[j] < 0) continue;
      calls += this.calls[j];
      failures += this.failures[j];
      slow += this.slow[j];
    }
    if (calls < this.policy.minimumCalls) return;
    if (failures / calls >= this.policy.failureRateThreshold || slow / calls >= this.policy.slowCallRateThreshold) this.trip();
  }

  private trip() {
    this.openedAt = this.now();
    this.transition("open");
  }

  private transition(state: BreakerState) {
    if (state === this.state) return;
    this.state = state;
    this.probesStarted = this.probesSucceeded = 0;
    if (state === "closed") {
      this.slotStart = new Array<number>(SLOTS).fill(-1);
    }
    this.onChange(state);
  }
}
