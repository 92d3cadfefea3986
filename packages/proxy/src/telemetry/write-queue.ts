import type { DropReason } from "./telemetry-drops";

export interface WriteQueueOptions<T> {
  /** Writes one batch; may throw (database away), and the batch is then kept and tried again. */
  write(batch: T[]): Promise<void>;
  /** What the queue may hold, in estimated bytes and in entries; past either, new entries are dropped. */
  maxBytes: number;
  maxItems: number;
  /** One write carries at most this many entries and estimated bytes (at least one entry). */
  batchItems: number;
  batchBytes: number;
  onDrop(count: number, reason: DropReason): void;
  /** The write failed because of the rows themselves (they can never be written), not the database. */
  isRejected(error: unknown): boolean;
}

/**
 * Entries waiting for the database, bounded in bytes and in count, written in batches with one write in flight at
 * a time. A batch stays at the head of the queue (and in its bound) until it is written, so a stalled write holds
 * no memory beyond the bound and spawns no other; a failed one is tried again at the next flush. When the queue is
 * full, the NEW entry is dropped: it is the cheapest thing to do under a flood (nothing is built or moved), the
 * batch in flight keeps its place, and the spans of the start of an incident, the ones that explain it, are kept.
 * A batch PostgreSQL refuses for its data is halved until the entry at fault is alone, and that one is dropped.
 */
export class WriteQueue<T> {
  private items: T[] = [];
  private sizes: number[] = [];
  private head = 0;
  private flushing: Promise<void> | null = null;
  /** Halved while batches are refused, to isolate the refused entry. */
  private limit: number;
  /** Estimated bytes of the entries held, the batch in flight included. */
  bytes = 0;

  constructor(private readonly options: WriteQueueOptions<T>) {
    this.limit = options.batchItems;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Whether `count` more entries of `bytes` would fit. */
  fits(count: number, bytes: number): boolean {
    return this.length + count <= this.options.maxItems && this.bytes + bytes <= this.options.maxBytes;
  }

  /** Queues the entries, all or none: when they do not fit, they are dropped and counted. */
  pushAll(items: readonly T[], sizes: readonly number[]): boolean {
    let bytes = 0;
    for (const b of sizes) bytes += b;
    if (!this.fits(items.length, bytes)) {
      this.options.onDrop(items.length, "buffer_full");
      return false;
    }
    for (let i = 0; i < items.length; i++) {
      this.items.push(items[i]);
      this.sizes.push(sizes[i]);
    }
    this.bytes += bytes;
    return true;
  }

  /** Writes batches until the queue is empty; rejects at the first write that fails. One drain at a time. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!this.length) return Promise.resolve();
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  get writing(): boolean {
    return this.flushing !== null;
  }

  private async drain(): Promise<void> {
    while (this.length) {
      const n = this.nextBatchLength();
      const batch = this.items.slice(this.head, this.head + n);
      try {
        await this.options.write(batch);
      } catch (error) {
        if (!this.options.isRejected(error)) throw error;
        if (n > 1) {
          this.limit = Math.ceil(n / 2);
          continue;
        }
        this.remove(1);
        this.options.onDrop(1, "rejected");
        continue;
      }
      this.remove(n);
      this.limit = Math.min(this.options.batchItems, this.limit * 2);
    }
  }

  private nextBatchLength(): number {
    const max = Math.min(this.limit, this.length);
    let n = 0;
    let bytes = 0;
    while (n < max) {
      bytes += this.sizes[this.head + n];
      if (n > 0 && bytes > this.options.batchBytes) break;
      n++;
    }
    return n;
  }

  private remove(n: number): void {
    for (let i = 0; i < n; i++) this.bytes -= this.sizes[this.head + i];
    this.head += n;
    if (this.head === this.items.length) {
      this.items = [];
      this.sizes = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }
}
