import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Tracer } from "@opentelemetry/api";
import { createRequire } from "node:module";
import type { IdGenerator, TracerProvider } from "@opentelemetry/sdk-trace";
import type { SpanRow } from "@bulwark/db/traces";
import type { FinishedRequest } from "../pipeline/compiled-route";
import { clampOrNull, clampText, TEXT_LIMITS } from "./clamp-text";
import { randomHex } from "./random-ids";
import { isRejectedData, TelemetryDrops } from "./telemetry-drops";
import { WriteQueue } from "./write-queue";

/** Bounds of the spans waiting for PostgreSQL and of one write (see docs/telemetry.md). */
const SPAN_LIMITS = {
  maxPendingBytes: 32 * 1024 * 1024,
  maxPendingSpans: 20_000,
  batchSpans: 500,
  batchBytes: 1024 * 1024,
} as const;

/** A span's estimated memory besides its strings: the object, its Date, numbers and the attributes object. */
const SPAN_OVERHEAD_BYTES = 400;

export interface TraceRecorderOptions {
  /** Slower requests are always kept. */
  slowMs: number;
  /** What waits for the database; past it new spans are dropped and counted (defaults: SPAN_LIMITS). */
  maxPendingBytes?: number;
  maxPendingSpans?: number;
  /** One write carries at most this many spans and estimated bytes. */
  batchSpans?: number;
  batchBytes?: number;
  /** Writes a batch; may throw (database away): the spans are kept for the next flush. */
  write(rows: SpanRow[]): Promise<void>;
  /** Where drops are counted (shared with the rollups in a worker). */
  drops?: TelemetryDrops;
  /** Set OTEL_EXPORTER_OTLP_ENDPOINT to also export spans over OTLP/HTTP. */
  otlpEndpoint?: string | null;
  worker: string;
}

/** Lets the SDK use the ids the gateway already sent upstream in `traceparent`. */
class GivenIds implements IdGenerator {
  traceId = "";
  spanId = "";
  generateTraceId = () => this.traceId;
  generateSpanId = () => this.spanId;
}

/**
 * Keeps the spans of requests that were head-sampled, failed (5xx or a fallback) or slow: one server span per
 * request and one client span per upstream attempt, with the route, service, target, status, retries,
 * decisions and timings (connect, first byte, total). Buffered, written to PostgreSQL in batches off the
 * request path, and exported over OTLP/HTTP when an endpoint is configured.
 */
export class TraceRecorder {
  private readonly queue: WriteQueue<SpanRow>;
  private readonly tracer: Tracer | null = null;
  private readonly provider: TracerProvider | null = null;
  private readonly ids = new GivenIds();
  readonly drops: TelemetryDrops;

  constructor(private readonly options: TraceRecorderOptions) {
    const drops = (this.drops = options.drops ?? new TelemetryDrops());
    this.queue = new WriteQueue({
      write: options.write,
      maxBytes: options.maxPendingBytes ?? SPAN_LIMITS.maxPendingBytes,
      maxItems: options.maxPendingSpans ?? SPAN_LIMITS.maxPendingSpans,
      batchItems: options.batchSpans ?? SPAN_LIMITS.batchSpans,
      batchBytes: options.batchBytes ?? SPAN_LIMITS.batchBytes,
      onDrop: (count, reason) => drops.add("span", reason, count),
      isRejected: isRejectedData,
    });
    if (options.otlpEndpoint) {
      const url = `${options.otlpEndpoint.replace(/\/$/, "")}/v1/traces`;
      // The OpenTelemetry SDK and exporter are loaded only when traces are exported: a worker that does not is smaller.
      const require = createRequire(import.meta.url);
      const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-http") as typeof import("@opentelemetry/exporter-trace-otlp-http");
      const { resourceFromAttributes } = require("@opentelemetry/resources") as typeof import("@opentelemetry/resources");
      const { BatchSpanProcessor, TracerProvider } = require("@opentelemetry/sdk-trace") as typeof import("@opentelemetry/sdk-trace");
      this.provider = new TracerProvider({
        resource: resourceFromAttributes({ "service.name": "bulwark-gateway", "service.instance.id": options.worker }),
        idGenerator: this.ids,
        spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }), scheduledDelayMillis: 1000 })],
      });
      this.tracer = this.provider.getTracer("bulwark-gateway");
    }
  }

  /** Why a finished request is kept, or null when it is not. */
  keepReason(f: FinishedRequest): SpanRow["keptBecause"] | null {
    if (f.status >= 500 || f.outcome === "fallback") return "error";
    if (f.ms >= this.options.slowMs) return "slow";
    return f.trace.sampled ? "sampled" : null;
  }

  offer(f: FinishedRequest): void {
    const kept = this.keepReason(f);
    if (kept === null) return;
    const count = 1 + f.tries.length;
    // Full (the database away or slow): a flood costs a counter increment, no span is even built.
    if (this.tracer === null && !this.queue.fits(count, count * SPAN_OVERHEAD_BYTES)) {
      this.drops.add("span", "buffer_full", count);
      return;
    }
    const rows = spansOf(f, kept, this.options.worker);
    // A request's spans are queued together or not at all: a trace is never stored without its root.
    this.queue.pushAll(rows, rows.map(spanBytes));
    if (this.tracer !== null) this.export(rows);
  }

  private export(rows: SpanRow[]): void {
    const root = rows[0];
    const parent = root.parentSpanId ? trace.setSpanContext(ROOT_CONTEXT, { traceId: root.traceId, spanId: root.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: true }) : ROOT_CONTEXT;
    for (const row of rows) {
      const context = row === root ? parent : trace.setSpanContext(ROOT_CONTEXT, { traceId: root.traceId, spanId: root.spanId, traceFlags: TraceFlags.SAMPLED });
      this.ids.traceId = row.traceId;
      this.ids.spanId = row.spanId;
      const attributes: Record<string, string | number | boolean> = {
        "http.request.method": row.method ?? "",
        "url.path": row.path ?? "",
        "http.response.status_code": row.status,
        "bulwark.retries": row.retries,
        "bulwark.kept_because": row.keptBecause,
      };
      if (row.route) attributes["http.route"] = row.route;
      if (row.service) attributes["bulwark.service"] = row.service;
      if (row.target) attributes["server.address"] = row.target;
      if (row.outcome) attributes["bulwark.outcome"] = row.outcome;
      if (row.errorCode) attributes["error.type"] = row.errorCode;
      for (const [k, v] of Object.entries(row.attributes)) if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") attributes[`bulwark.${k}`] = v;
      const start = row.startedAt.getTime();
      const span = this.tracer!.startSpan(row.name, { kind: row.kind === "server" ? SpanKind.SERVER : SpanKind.CLIENT, startTime: start, attributes }, context);
      if (row.status >= 500 || row.errorCode) span.setStatus({ code: SpanStatusCode.ERROR, message: row.errorCode ?? undefined });
      span.end(start + row.durationMs);
    }
  }

  /** Spans waiting for the database, the batch being written included. */
  get pendingSpans(): number {
    return this.queue.length;
  }

  /** Their estimated size in bytes. */
  get pendingBytes(): number {
    return this.queue.bytes;
  }

  /** Spans dropped so far (a full buffer, or refused by PostgreSQL). */
  get dropped(): number {
    return this.drops.of("span");
  }

  /**
   * Writes what is buffered, in batches, one write at a time: a flush while one runs joins it. On failure the
   * spans stay queued for the next flush.
   */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  async close(): Promise<void> {
    await this.provider?.shutdown().catch(() => {});
  }
}

/** The server span of a finished request and a client span per upstream attempt. */
function spansOf(f: FinishedRequest, keptBecause: SpanRow["keptBecause"], worker: string): SpanRow[] {
  const startEpoch = performance.timeOrigin + f.started;
  const tries = f.tries;
  const { id, text } = TEXT_LIMITS;
  // Every text is cut to its limit once, here: the rows below share these strings.
  const traceId = clampText(f.trace.traceId, id);
  const spanId = clampText(f.trace.spanId, id);
  const route = clampOrNull(f.routeName, text);
  const method = clampText(f.method, text);
  const path = clampText(f.path, TEXT_LIMITS.path);
  const attributes: Record<string, unknown> = { worker };
  if (f.decisions !== null) for (const [k, v] of Object.entries(f.decisions)) attributes[clampText(k, text)] = typeof v === "string" ? clampText(v, text) : v;
  const root: SpanRow = {
    traceId,
    spanId,
    parentSpanId: clampOrNull(f.trace.parentSpanId, id),
    name: clampText(`${method} ${route ?? "(no route)"}`, text),
    kind: "server",
    route,
    service: clampOrNull(f.serviceName, text),
    target: tries.length ? clampOrNull(tries[tries.length - 1].target, text) : null,
    method,
    path,
    status: f.status,
    errorCode: clampOrNull(f.errorCode, text),
    outcome: f.outcome,
    retries: f.attempt,
    startedAt: new Date(startEpoch),
    durationMs: f.ms,
    attributes,
    keptBecause,
  };
  const rows = [root];
  tries.forEach((t, i) => {
    const attributes: Record<string, unknown> = {};
    if (t.connectMs !== null) attributes.connectMs = round(t.connectMs);
    if (t.firstByteMs !== null) attributes.firstByteMs = round(t.firstByteMs);
    rows.push({
      traceId,
      spanId: randomHex(8),
      parentSpanId: spanId,
      name: `upstream attempt ${i + 1}`,
      kind: "client",
      route,
      service: clampOrNull(t.service, text),
      target: clampOrNull(t.target, text),
      method,
      path,
      status: t.status,
      errorCode: clampOrNull(t.errorCode, text),
      outcome: null,
      retries: i,
      startedAt: new Date(performance.timeOrigin + t.startedAt),
      durationMs: t.durationMs,
      attributes,
      keptBecause,
    });
  });
  return rows;
}

/**
 * A span's estimated size: its strings (one byte a character, as V8 keeps the Latin-1 ones) plus a fixed overhead.
 * Cheap on purpose; the texts are already cut to their limits. Spans of one request share their strings, so the
 * estimate counts them more than once: it errs high.
 */
export function spanBytes(row: SpanRow): number {
  let n = SPAN_OVERHEAD_BYTES + row.traceId.length + row.spanId.length + row.name.length;
  n += (row.parentSpanId?.length ?? 0) + (row.route?.length ?? 0) + (row.service?.length ?? 0) + (row.target?.length ?? 0);
  n += (row.method?.length ?? 0) + (row.path?.length ?? 0) + (row.errorCode?.length ?? 0) + (row.outcome?.length ?? 0);
  for (const k in row.attributes) {
    const v = row.attributes[k];
    n += k.length + (typeof v === "string" ? v.length : 8);
  }
  return n;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
