import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Tracer } from "@opentelemetry/api";
import { createRequire } from "node:module";
import type { IdGenerator, TracerProvider } from "@opentelemetry/sdk-trace";
import type { SpanRow } from "@bulwark/db/traces";
import type { FinishedRequest } from "../pipeline/compiled-route";
import { randomHex } from "./random-ids";

export interface TraceRecorderOptions {
  /** Slower requests are always kept. */
  slowMs: number;
  /** Spans waiting for the database; beyond it the oldest are dropped and counted. */
  maxPending?: number;
  /** Writes a batch; may throw (database away): the spans are kept for the next flush. */
  write(rows: SpanRow[]): Promise<void>;
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
  private pending: SpanRow[] = [];
  private flushing: Promise<void> | null = null;
  private readonly maxPending: number;
  private readonly tracer: Tracer | null = null;
  private readonly provider: TracerProvider | null = null;
  private readonly ids = new GivenIds();
  /** Spans dropped because the buffer was full while the database was away. */
  dropped = 0;

  constructor(private readonly options: TraceRecorderOptions) {
    this.maxPending = options.maxPending ?? 20_000;
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
    const rows = spansOf(f, kept, this.options.worker);
    this.pending.push(...rows);
    const excess = this.pending.length - this.maxPending;
    if (excess > 0) {
      this.pending.splice(0, excess);
      this.dropped += excess;
    }
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

  get pendingSpans(): number {
    return this.pending.length;
  }

  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!this.pending.length) return Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.options
      .write(batch)
      .catch((error) => {
        this.pending = batch.concat(this.pending);
        const excess = this.pending.length - this.maxPending;
        if (excess > 0) {
          this.pending.splice(0, excess);
          this.dropped += excess;
        }
        throw error;
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  async close(): Promise<void> {
    await this.provider?.shutdown().catch(() => {});
  }
}

/** The server span of a finished request and a client span per upstream attempt. */
function spansOf(f: FinishedRequest, keptBecause: SpanRow["keptBecause"], worker: string): SpanRow[] {
  const startEpoch = performance.timeOrigin + f.started;
  const tries = f.tries;
  const root: SpanRow = {
    traceId: f.trace.traceId,
    spanId: f.trace.spanId,
    parentSpanId: f.trace.parentSpanId,
    name: `${f.method} ${f.routeName ?? "(no route)"}`,
    kind: "server",
    route: f.routeName,
    service: f.serviceName,
    target: tries.length ? tries[tries.length - 1].target : null,
    method: f.method,
    path: f.path,
    status: f.status,
    errorCode: f.errorCode,
    outcome: f.outcome,
    retries: f.attempt,
    startedAt: new Date(startEpoch),
    durationMs: f.ms,
    attributes: { worker, ...(f.decisions ?? {}) },
    keptBecause,
  };
  const rows = [root];
  tries.forEach((t, i) => {
    const attributes: Record<string, unknown> = {};
    if (t.connectMs !== null) attributes.connectMs = round(t.connectMs);
    if (t.firstByteMs !== null) attributes.firstByteMs = round(t.firstByteMs);
    rows.push({
      traceId: f.trace.traceId,
      spanId: randomHex(8),
      parentSpanId: f.trace.spanId,
      name: `upstream attempt ${i + 1}`,
      kind: "client",
      route: f.routeName,
      service: t.service,
      target: t.target,
      method: f.method,
      path: f.path,
      status: t.status,
      errorCode: t.errorCode,
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

const round = (ms: number) => Math.round(ms * 1000) / 1000;
