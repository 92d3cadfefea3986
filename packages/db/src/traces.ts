import type { Db } from "./client";

/** One span the gateway kept: the request itself (kind "server") or one upstream attempt (kind "client"). */
export interface SpanRow {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: "server" | "client";
  route: string | null;
  service: string | null;
  target: string | null;
  method: string | null;
  path: string | null;
  status: number;
  errorCode: string | null;
  outcome: string | null;
  retries: number;
  startedAt: Date;
  durationMs: number;
  /** Timings and decisions: connectMs, firstByteMs, breaker, rateLimit, fallback, worker... */
  attributes: Record<string, unknown>;
  /** Why it was kept: head sampling, an error, or a slow answer. */
  keptBecause: "sampled" | "error" | "slow";
}

/**
 * Writes a batch of spans; a span written twice (a retried batch) is kept once. The batch travels as one JSON
 * parameter that PostgreSQL unpacks: a worker flushing a thousand spans must not spend its event loop building
 * a thousand-row statement (Prisma's createMany held it for hundreds of milliseconds, stalling traffic).
 */
export async function writeSpans(db: Db, rows: SpanRow[]): Promise<void> {
  if (!rows.length) return;
  await db.$executeRaw`
    INSERT INTO trace_spans (trace_id, span_id, parent_span_id, name, kind, route, service, target, method, path, status, error_code, outcome, retries, started_at, duration_ms, attributes, kept_because)
    SELECT "traceId", "spanId", "parentSpanId", name, kind, route, service, target, method, path, status, "errorCode", outcome, retries, "startedAt", "durationMs", attributes, "keptBecause"
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS s("traceId" text, "spanId" text, "parentSpanId" text, name text, kind text, route text, service text, target text, method text,
      path text, status int, "errorCode" text, outcome text, retries int, "startedAt" timestamp(3), "durationMs" float8, attributes jsonb, "keptBecause" text)
    ON CONFLICT (trace_id, span_id) DO NOTHING`;
}

export interface TraceFilter {
  route?: string;
  service?: string;
  /** An exact status, or a class: "4xx", "5xx". */
  status?: number | "4xx" | "5xx";
  minDurationMs?: number;
  /** Traces that started before this (paging backwards in time). */
  before?: Date;
  limit?: number;
}

export type TraceSummary = Omit<SpanRow, "parentSpanId" | "kind" | "name" | "attributes"> & { spans: number };

/** The newest traces that match, one row per request (its server span), newest first. */
export async function listTraces(db: Db, filter: TraceFilter = {}): Promise<TraceSummary[]> {
  const status = filter.status === "4xx" ? { gte: 400, lt: 500 } : filter.status === "5xx" ? { gte: 500, lt: 600 } : typeof filter.status === "number" ? filter.status : undefined;
  const roots = await db.traceSpan.findMany({
    where: {
      kind: "server",
      route: filter.route,
      service: filter.service,
      status,
      durationMs: filter.minDurationMs !== undefined ? { gte: filter.minDurationMs } : undefined,
      startedAt: filter.before ? { lt: filter.before } : undefined,
    },
    orderBy: { startedAt: "desc" },
    take: Math.min(Math.max(filter.limit ?? 50, 1), 500),
  });
  if (!roots.length) return [];
  const counts = await db.traceSpan.groupBy({ by: ["traceId"], where: { traceId: { in: roots.map((r) => r.traceId) } }, _count: { _all: true } });
  const spans = new Map(counts.map((c) => [c.traceId, c._count._all]));
  return roots.map(({ parentSpanId: _p, kind: _k, name: _n, attributes: _a, ...r }) => ({ ...r, keptBecause: r.keptBecause as SpanRow["keptBecause"], spans: spans.get(r.traceId) ?? 1 }));
}

/** Every span of one trace the gateway kept, in start order; empty when none. */
export async function getTrace(db: Db, traceId: string): Promise<SpanRow[]> {
  const rows = await db.traceSpan.findMany({ where: { traceId }, orderBy: [{ startedAt: "asc" }, { kind: "desc" }] });
  return rows.map((r) => ({ ...r, kind: r.kind as SpanRow["kind"], keptBecause: r.keptBecause as SpanRow["keptBecause"], attributes: r.attributes as Record<string, unknown> }));
}

/** Deletes spans that started before `before` (the retention period); returns how many. */
export async function pruneSpans(db: Db, before: Date): Promise<number> {
  const { count } = await db.traceSpan.deleteMany({ where: { startedAt: { lt: before } } });
  return count;
}
