import { describe, expect, it } from "vitest";
import type { SpanRow } from "@bulwark/db/traces";
import type { FinishedRequest } from "../pipeline/compiled-route";
import { clampText, TEXT_LIMITS } from "./clamp-text";
import { TelemetryDrops } from "./telemetry-drops";
import { spanBytes, TraceRecorder } from "./trace-recorder";

let n = 0;
function failed(path: string, extra: Partial<FinishedRequest> = {}): FinishedRequest {
  n++;
  return {
    routeName: "exams",
    serviceName: "assessments",
    status: 502,
    errorCode: "UPSTREAM_CONNECTION_REFUSED",
    outcome: "proxied",
    attempt: 0,
    ms: 3,
    method: "GET",
    path,
    started: performance.now(),
    trace: { traceId: n.toString(16).padStart(32, "0"), spanId: n.toString(16).padStart(16, "0"), parentSpanId: null, sampled: false },
    tries: [{ service: "assessments", target: "127.0.0.1:1", status: 502, errorCode: "UPSTREAM_CONNECTION_REFUSED", startedAt: performance.now(), durationMs: 1, connectMs: null, firstByteMs: null }],
    decisions: null,
    ...extra,
  } as FinishedRequest;
}

/** A sink that stalls until released, or fails, and records every batch and how many writes ran at once. */
function sink() {
  const batches: SpanRow[][] = [];
  let release: (() => void) | null = null;
  let stalled = false;
  let failWith: unknown = null;
  let running = 0;
  let maxRunning = 0;
  return {
    batches,
    get maxRunning() {
      return maxRunning;
    },
    stall: () => (stalled = true),
    fail: (e: unknown) => (failWith = e),
    release: () => {
      stalled = false;
      release?.();
    },
    write: async (rows: SpanRow[]) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        if (stalled) await new Promise<void>((ok) => (release = ok));
        if (failWith) throw failWith;
        batches.push(rows);
      } finally {
        running--;
      }
    },
  };
}

const longPath = (i: number) => `/exams/${i}/${"a".repeat(8192)}`;

describe("trace recorder under a flood while the database stalls", () => {
  it("holds its estimated bytes under the bound, keeps one write in flight and counts every span it drops", async () => {
    const s = sink();
    s.stall();
    const maxPendingBytes = 256 * 1024;
    const recorder = new TraceRecorder({ slowMs: 1000, write: s.write, worker: "w", maxPendingBytes });
    let offered = 0;
    for (let i = 0; i < 5000; i++) {
      recorder.offer(failed(longPath(i)));
      offered += 2;
      if (i % 100 === 0) void recorder.flush().catch(() => {});
      expect(recorder.pendingBytes).toBeLessThanOrEqual(maxPendingBytes);
    }
    expect(s.maxRunning).toBe(1);
    expect(recorder.pendingSpans).toBeGreaterThan(0);
    expect(recorder.dropped).toBe(offered - recorder.pendingSpans);
    expect(recorder.drops.values("w")).toEqual([{ labels: { kind: "span", reason: "buffer_full", worker: "w" }, value: recorder.dropped }]);

    s.release();
    await recorder.flush();
    await recorder.flush();
    const written = s.batches.flat();
    expect(written.length + recorder.dropped).toBe(offered);
    expect(recorder.pendingBytes).toBe(0);
    // Drop-newest: the first requests of the flood are the ones kept.
    expect(written[0].path).toBe(clampText(longPath(0), TEXT_LIMITS.path));
  });

  it("cuts long paths and attributes to their documented limits and marks the cut", async () => {
    const s = sink();
    const recorder = new TraceRecorder({ slowMs: 1000, write: s.write, worker: "w" });
    recorder.offer(failed(longPath(1), { decisions: { consumer: "c".repeat(5000) }, errorCode: "E".repeat(999) }));
    await recorder.flush();
    const [root, attempt] = s.batches[0];
    expect(root.path).toHaveLength(TEXT_LIMITS.path + "…[8201 chars]".length);
    expect(root.path!.endsWith("…[8201 chars]")).toBe(true);
    expect(attempt.path).toBe(root.path);
    expect((root.attributes.consumer as string).startsWith("c".repeat(TEXT_LIMITS.text) + "…[5000")).toBe(true);
    expect(root.errorCode!.length).toBeLessThan(300);
    expect(JSON.stringify(s.batches[0]).length).toBeLessThan(4000);
  });

  it("splits a backlog into batches of at most N spans and M estimated bytes", async () => {
    const s = sink();
    const recorder = new TraceRecorder({ slowMs: 1000, write: s.write, worker: "w", batchSpans: 50, batchBytes: 20_000 });
    for (let i = 0; i < 300; i++) recorder.offer(failed(longPath(i)));
    await recorder.flush();
    expect(s.batches.flat()).toHaveLength(600);
    expect(s.batches.length).toBeGreaterThan(12);
    for (const b of s.batches) {
      expect(b.length).toBeLessThanOrEqual(50);
      expect(b.reduce((a, r) => a + spanBytes(r), 0)).toBeLessThanOrEqual(20_000);
    }
  });

  it("keeps spans through a failing database and writes them once it answers", async () => {
    const s = sink();
    const recorder = new TraceRecorder({ slowMs: 1000, write: s.write, worker: "w" });
    s.fail(new Error("database away"));
    for (let i = 0; i < 10; i++) recorder.offer(failed(`/x/${i}`));
    await expect(recorder.flush()).rejects.toThrow("database away");
    expect(recorder.pendingSpans).toBe(20);
    s.fail(null);
    await recorder.flush();
    expect(s.batches.flat()).toHaveLength(20);
    expect(recorder.dropped).toBe(0);
  });

  it("drops only the span PostgreSQL refuses for its data, not the batch around it", async () => {
    const refused = { meta: { driverAdapterError: { cause: { originalCode: "22P05" } } } };
    const batches: SpanRow[][] = [];
    const recorder = new TraceRecorder({
      slowMs: 1000,
      worker: "w",
      write: async (rows) => {
        if (rows.some((r) => r.path === "/poison")) throw refused;
        batches.push(rows);
      },
    });
    for (let i = 0; i < 20; i++) recorder.offer(failed(i === 7 ? "/poison" : `/ok/${i}`, { tries: [] }));
    await recorder.flush();
    expect(batches.flat()).toHaveLength(19);
    expect(recorder.drops.values("w")).toEqual([{ labels: { kind: "span", reason: "rejected", worker: "w" }, value: 1 }]);
  });
});

describe("clampText", () => {
  it("never leaves half a surrogate pair, a NUL or a lone surrogate, which PostgreSQL refuses in jsonb", () => {
    const cut = clampText("a".repeat(9) + "😀" + "b".repeat(20), 10);
    expect(cut.startsWith("a".repeat(9) + "…")).toBe(true);
    expect(clampText("a\u0000b", 10)).toBe("a\ufffdb");
    expect(clampText("x\ud800y", 10)).toBe("x\ufffdy");
    expect(clampText("short", 10)).toBe("short");
  });
});

describe("telemetry drops", () => {
  it("says what was dropped in the log at most once per interval", () => {
    let now = 0;
    const lines: unknown[] = [];
    const log = { warn: (o: unknown) => lines.push(o) };
    const drops = new TelemetryDrops(() => now);
    drops.report(log as never);
    expect(lines).toHaveLength(0);
    drops.add("span", "buffer_full", 5);
    drops.report(log as never);
    drops.add("span", "buffer_full", 5);
    drops.report(log as never);
    expect(lines).toHaveLength(1);
    now += 30_000;
    drops.report(log as never);
    expect(lines).toHaveLength(2);
    now += 30_000;
    drops.report(log as never); // nothing new
    expect(lines).toHaveLength(2);
  });
});
