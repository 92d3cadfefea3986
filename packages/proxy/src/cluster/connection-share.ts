/**
 * A worker's part in spreading client connections evenly over the workers. Workers accept from the shared
 * socket themselves (SCHED_NONE), and a burst of new connections tends to land on whichever worker is idle at
 * that instant: a load balancer's few long-lived connections can all end up on one worker, which then has one
 * core for all of them while the others idle. The primary adds up every worker's open connections and tells each
 * the fair share; a worker above it answers that many requests with `Connection: close`, and those clients
 * reconnect, most likely to a worker with time to accept (the busy one is not waiting in accept).
 */
export class ConnectionShare {
  /** Client connections open on this worker. */
  open = 0;
  private owed = 0;

  constructor(private readonly enabled: boolean) {}

  /**
   * The primary's fair share per worker, worked out from `basis`, the count this worker last reported.
   * Connections that arrived since are not owed: the share did not count them (a share computed while every
   * worker was idle must not close a burst of new connections).
   */
  setFair(fair: number, basis: number): void {
    this.owed = this.enabled ? Math.max(0, Math.min(this.open, basis) - fair) : 0;
  }

  /** Should this answer close its connection? Each yes pays off one connection owed. */
  takeClose(): boolean {
    if (this.owed === 0) return false;
    this.owed--;
    return true;
  }
}

/** The fair share per worker: every open connection counted, rounded up so an odd one out is not chased. */
export function fairShare(counts: Iterable<number>, workers: number): number {
  let total = 0;
  for (const n of counts) total += n;
  return Math.ceil(total / Math.max(1, workers));
}
