import type { Logger } from "pino";
import type { Db } from "@bulwark/db/client";
import { pruneSpans, writeSpans } from "@bulwark/db/traces";
import { writeRollups } from "@bulwark/db/traffic";
import type { LoadMonitor } from "../policies/load-monitor";
import type { WatcherState } from "../config/config-watcher";
import type { GatewayOptions } from "../cluster/gateway-options";
import type { FinishedRequest } from "../pipeline/compiled-route";
import { collected, createWorkerRegistry } from "./gateway-metrics";
import { RollupRecorder } from "./rollup-recorder";
import { TelemetryDrops } from "./telemetry-drops";
import { TraceRecorder } from "./trace-recorder";
import { TrafficCounters } from "./traffic-counters";

export interface WorkerTelemetry {
  /** The request pipeline's one hot-path call: counters, rollups, and the trace decision. */
  onFinish(f: FinishedRequest): void;
  /** Writes what is buffered (drain calls it before exit). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

const PRUNE_EVERY_MS = 10 * 60_000;
/** How long a draining worker waits for its last telemetry to be written (a stalled database must not hold it). */
const STOP_FLUSH_MS = 5_000;
const BREAKER_VALUE = { "half-open": 1, open: 2 } as const;

/**
 * Everything a worker reports about its traffic: Prometheus metrics (served, summed over the workers, by the
 * primary's /metrics), per-route minute rollups and kept spans written to PostgreSQL in batches every few
 * seconds, never on the request path, waiting in bounded buffers while the database is away.
 */
export function startWorkerTelemetry(deps: {
  db: Db;
  options: GatewayOptions;
  workerId: string;
  log: Logger;
  state: WatcherState;
  load: LoadMonitor;
  breakers: ReadonlyMap<string, "open" | "half-open">;
}): WorkerTelemetry {
  const { db, options, log } = deps;
  const worker = String(process.pid);
  const counters = new TrafficCounters();
  const drops = new TelemetryDrops();
  const rollups = new RollupRecorder({ write: (rows) => writeRollups(db, rows), drops });
  const traces = new TraceRecorder({
    slowMs: options.traceSlowMs,
    write: (rows) => writeSpans(db, rows),
    otlpEndpoint: options.otlpEndpoint,
    worker: deps.workerId,
    drops,
    maxPendingBytes: options.traceBufferBytes,
  });
  const perWorker = (value: number) => [{ labels: { worker }, value }];

  createWorkerRegistry([
    collected("bulwark_requests_total", "Requests answered, by route, service, status class and outcome (proxied, fallback, shed, rate_limited, rejected).", "counter", () => counters.requests()),
    collected("bulwark_request_duration_seconds", "Time from request to the end of the answer, by route and service.", "histogram", () => counters.latency("bulwark_request_duration_seconds")),
    collected("bulwark_retries_total", "Upstream attempts beyond the first, by route and service.", "counter", () => counters.retries()),
    collected("bulwark_config_version", "The config version each worker runs.", "gauge", () => perWorker(deps.state.version ?? 0)),
    collected("bulwark_config_refused_version", "The last config version a worker refused (0: none).", "gauge", () => perWorker(deps.state.rejectedVersion ?? 0)),
    collected("bulwark_breaker_state", "Circuit breakers that are not closed: 1 half-open, 2 open.", "gauge", () =>
      [...deps.breakers].map(([service, state]) => ({ labels: { service, worker }, value: BREAKER_VALUE[state] })),
    ),
    collected("bulwark_in_flight_requests", "Requests in flight on each worker.", "gauge", () => perWorker(deps.load.inFlight)),
    collected("bulwark_event_loop_delay_seconds", "Each worker's latest event-loop delay sample.", "gauge", () => perWorker(deps.load.lagMs / 1000)),
    collected("bulwark_telemetry_pending", "Spans and rollup rows waiting for the database, by kind.", "gauge", () => [
      { labels: { kind: "span", worker }, value: traces.pendingSpans },
      { labels: { kind: "rollup", worker }, value: rollups.pendingRows },
    ]),
    collected("bulwark_telemetry_pending_bytes", "Estimated bytes of the telemetry waiting for the database, by kind.", "gauge", () => [
      { labels: { kind: "span", worker }, value: traces.pendingBytes },
      { labels: { kind: "rollup", worker }, value: rollups.pendingBytesTotal },
    ]),
    collected("bulwark_telemetry_dropped_total", "Spans and rollup rows dropped, by kind and reason (buffer_full: the database away or slow; rejected: PostgreSQL refused the data).", "counter", () =>
      drops.values(worker),
    ),
    collected("bulwark_worker_resident_memory_bytes", "Each worker's resident set size.", "gauge", () => perWorker(process.memoryUsage.rss())),
  ]);

  // Each recorder has at most one write in flight: a tick while the database stalls joins it, never adds one.
  const flush = async () => {
    drops.report(log);
    await Promise.all([
      rollups.flush().catch((error) => log.debug({ err: (error as Error).message, pending: rollups.pendingRows }, "rollups not written; database away?")),
      traces.flush().catch((error) => log.debug({ err: (error as Error).message, pending: traces.pendingSpans }, "spans not written; database away?")),
    ]);
  };
  const flushTimer = setInterval(() => void flush(), options.telemetryFlushMs);
  flushTimer.unref();
  let pruning: Promise<unknown> | null = null;
  const prune = () =>
    (pruning ??= pruneSpans(db, new Date(Date.now() - options.traceRetentionHours * 3_600_000))
      .catch((error) => log.debug({ err: (error as Error).message }, "span pruning failed"))
      .finally(() => (pruning = null)));
  const pruneTimer = setInterval(() => void prune(), PRUNE_EVERY_MS);
  pruneTimer.unref();

  return {
    onFinish(f) {
      counters.record(f.routeName, f.serviceName, f.status, f.outcome, f.ms, f.attempt);
      if (f.routeName !== null && f.serviceName !== null) rollups.record(f.routeName, f.serviceName, f.status, f.outcome, f.ms);
      traces.offer(f);
    },
    flush,
    async stop() {
      clearInterval(flushTimer);
      clearInterval(pruneTimer);
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([flush().then(() => false), new Promise<boolean>((ok) => (timer = setTimeout(() => ok(true), STOP_FLUSH_MS)))]);
      clearTimeout(timer);
      if (gaveUp) log.warn({ spans: traces.pendingSpans, rollupRows: rollups.pendingRows }, "telemetry not written before exit: the database did not answer in time");
      drops.report(log);
      await traces.close();
    },
  };
}
