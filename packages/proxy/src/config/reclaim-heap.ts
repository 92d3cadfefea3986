import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Heap growth across a config load beyond which the worker collects at once rather than keeping the pages. */
const GROWTH_BYTES = 16 * 1024 * 1024;

let collect: (() => void) | null = null;

/**
 * Loading a large config (parse, validate, compile) leaves tens of MiB of garbage whose pages V8 keeps committed
 * long after: a worker with 10,000 routes stayed ~45 MiB larger than it needed. When a load grew the heap that
 * much, one full collection a moment later (one pause per publish, off the request that applied it) gives them
 * back. `before` is getHeapStatistics().total_heap_size taken before the load.
 */
export function reclaimHeapAfterLoad(before: number): void {
  if (getHeapStatistics().total_heap_size - before < GROWTH_BYTES) return;
  if (collect === null) {
    setFlagsFromString("--expose-gc");
    collect = runInNewContext("gc") as () => void;
  }
  setTimeout(collect, 250).unref();
}

export function heapSize(): number {
  return getHeapStatistics().total_heap_size;
}
