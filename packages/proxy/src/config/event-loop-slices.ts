import type { Slices } from "@bulwark/config/parse-in-slices";

/**
 * Cooperative time slices for long work on a worker's event loop (parsing and compiling a large version): the
 * work asks due() between small steps and, once the slice has run `budgetMs`, awaits yield(), which lets timers
 * and sockets run (setImmediate) before the next slice. Measured by time, not by steps, because a step's cost
 * varies tenfold between phases and machines.
 */
export class EventLoopSlices implements Slices {
  /** How many times the work gave the event loop back. */
  yields = 0;
  private sliceStart: number;

  constructor(
    private readonly budgetMs = 5,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sliceStart = now();
  }

  due(): boolean {
    return this.now() - this.sliceStart >= this.budgetMs;
  }

  async yield(): Promise<void> {
    this.yields++;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = this.now();
  }
}
