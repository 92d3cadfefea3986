import { describe, expect, it } from "vitest";
import type { RollupRow } from "@bulwark/db/traffic";
import { bucketIndex } from "@bulwark/slo/histogram";
import { RollupRecorder } from "./rollup-recorder";

function setup(options: { maxPendingRows?: number; maxPendingBytes?: number; batchRows?: number } = {}) {
  let clock = Date.UTC(2026, 10, 24, 10, 0, 5);
  let failing = false;
  const written: RollupRow[][] = [];
  const recorder = new RollupRecorder({
    ...options,
    now: () => clock,
    write: async (rows) => {
      if (failing) throw new Error("database away");
      written.push(rows);
    },
  });
  return { recorder, written, tick: (ms: number) => (clock += ms), fail: (f: boolean) => (failing = f) };
}

describe("rollup recorder", () => {
  it("counts per route and minute, with outcome counters and a latency histogram", async () => {
    const { recorder, written, tick } = setup();
    recorder.record("courses", "catalog", 200, "proxied", 12);
    recorder.record("courses", "catalog", 503, "proxied", 40);
    recorder.record("courses", "catalog", 200, "fallback", 1);
    recorder.record("exams", "assessments", 429, "rate_limited", 0);
    tick(60_000);
    recorder.record("courses", "catalog", 200, "proxied", 12);
    await recorder.flush();
    expect(written).toHaveLength(1);
    const [courses, exams, next] = written[0];
    expect(courses).toMatchObject({ route: "courses", bucket: new Date(Date.UTC(2026, 10, 24, 10, 0)), requests: 3, errors: 1, fallbacks: 1 });
    expect(courses.latency[bucketIndex(12)]).toBe(1);
    expect(courses.latency[bucketIndex(1)]).toBe(1);
    expect(exams).toMatchObject({ requests: 1, rateLimited: 1, errors: 0 });
    expect(next).toMatchObject({ route: "courses", bucket: new Date(Date.UTC(2026, 10, 24, 10, 1)), requests: 1 });
  });

  it("keeps rows while the database is away and writes them when it returns", async () => {
    const { recorder, written, fail } = setup();
    fail(true);
    recorder.record("courses", "catalog", 200, "proxied", 5);
    await expect(recorder.flush()).rejects.toThrow("database away");
    expect(recorder.pendingRows).toBe(1);
    fail(false);
    await recorder.flush();
    expect(written.flat().reduce((n, r) => n + r.requests, 0)).toBe(1);
    expect(recorder.pendingRows).toBe(0);
  });

  it("drops the oldest rows, and counts them, when the buffer is full", async () => {
    const { recorder, written, fail, tick } = setup({ maxPendingRows: 2 });
    fail(true);
    for (let m = 0; m < 4; m++) {
      recorder.record("courses", "catalog", 200, "proxied", 5);
      tick(60_000);
    }
    await recorder.flush().catch(() => {});
    expect(recorder.dropped).toBe(2);
    fail(false);
    await recorder.flush();
    expect(written.flat().map((r) => r.bucket.getUTCMinutes())).toEqual([2, 3]);
  });

  it("merges a minute counted across several failed flushes into one row (one upsert per route and minute)", async () => {
    const { recorder, written, fail } = setup();
    fail(true);
    recorder.record("courses", "catalog", 200, "proxied", 5);
    await recorder.flush().catch(() => {});
    recorder.record("courses", "catalog", 500, "proxied", 5);
    await recorder.flush().catch(() => {});
    recorder.record("courses", "catalog", 200, "proxied", 5);
    expect(recorder.pendingRows).toBe(1);
    fail(false);
    await recorder.flush();
    expect(written.flat()).toHaveLength(1);
    expect(written.flat()[0]).toMatchObject({ requests: 3, errors: 1 });
  });

  it("writes a large backlog in batches of at most batchRows, and keeps the unwritten ones when a batch fails", async () => {
    const { recorder, written } = setup({ batchRows: 100 });
    for (let r = 0; r < 250; r++) recorder.record(`route-${r}`, "svc", 200, "proxied", 5);
    await recorder.flush();
    expect(written.map((b) => b.length)).toEqual([100, 100, 50]);

    const failing = setup({ batchRows: 100 });
    for (let r = 0; r < 250; r++) failing.recorder.record(`route-${r}`, "svc", 200, "proxied", 5);
    const first = failing.recorder.flush(); // the first batch is written, then the database goes away
    failing.fail(true);
    await expect(first).rejects.toThrow("database away");
    expect(failing.written.map((b) => b.length)).toEqual([100]);
    expect(failing.recorder.pendingRows).toBe(150);
    failing.fail(false);
    await failing.recorder.flush();
    expect(failing.written.flat()).toHaveLength(250);
    expect(new Set(failing.written.flat().map((r) => r.route)).size).toBe(250);
    expect(failing.recorder.dropped).toBe(0);
  });

  it("holds its estimated bytes under the bound while the database is away, dropping and counting the oldest", async () => {
    const maxPendingBytes = 64 * 1024;
    const { recorder, fail, tick } = setup({ maxPendingBytes });
    fail(true);
    for (let m = 0; m < 200; m++) {
      for (let r = 0; r < 5; r++) recorder.record(`route-${r}-${"x".repeat(200)}`, "svc", 200, "proxied", 5);
      tick(60_000);
      await recorder.flush().catch(() => {});
      expect(recorder.pendingBytesTotal).toBeLessThanOrEqual(maxPendingBytes);
    }
    expect(recorder.dropped).toBe(1000 - recorder.pendingRows);
    expect(recorder.drops.values("w")).toEqual([{ labels: { kind: "rollup", reason: "buffer_full", worker: "w" }, value: recorder.dropped }]);
  });
});
