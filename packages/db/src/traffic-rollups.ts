import { emptyHistogram, histogramPercentile, mergeHistograms, type LatencyCounts } from "@bulwark/slo/histogram";
import type { Db } from "./client";
import { Prisma } from "./generated/prisma/client";

export const MINUTE = 60;
export const HOUR = 3600;

/** One route's traffic in one bucket, as a worker counted it. */
export interface RollupRow {
  bucket: Date;
  route: string;
  service: string;
  requests: number;
  errors: number;
  fallbacks: number;
  shed: number;
  rateLimited: number;
  rejected: number;
  latency: LatencyCounts;
}

export interface TrafficTotals {
  requests: number;
  errors: number;
  fallbacks: number;
  shed: number;
  rateLimited: number;
  rejected: number;
  latency: LatencyCounts;
}

/**
 * Adds a batch of rows to the rollups in one statement: rows for the same route and bucket from many workers
 * (or many batches) sum, histograms element by element.
 */
export async function writeRollups(db: Db, rows: RollupRow[], resolution = MINUTE): Promise<void> {
  if (!rows.length) return;
  const values = rows.map(
    (r) => Prisma.sql`(${resolution}, ${r.bucket}, ${r.route}, ${r.service}, ${r.requests}, ${r.errors}, ${r.fallbacks}, ${r.shed}, ${r.rateLimited}, ${r.rejected}, ${r.latency}::int[])`,
  );
  await db.$executeRaw`
    INSERT INTO traffic_rollups AS t (resolution, bucket, route, service, requests, errors, fallbacks, shed, rate_limited, rejected, latency)
    VALUES ${Prisma.join(values)}
    ON CONFLICT (resolution, route, bucket) DO UPDATE SET
      service = excluded.service,
      requests = t.requests + excluded.requests,
      errors = t.errors + excluded.errors,
      fallbacks = t.fallbacks + excluded.fallbacks,
      shed = t.shed + excluded.shed,
      rate_limited = t.rate_limited + excluded.rate_limited,
      rejected = t.rejected + excluded.rejected,
      latency = ARRAY(SELECT COALESCE(a, 0) + COALESCE(b, 0) FROM unnest(t.latency, excluded.latency) AS u(a, b))`;
}

export interface TrafficScope {
  kind: "route" | "service";
  name: string;
}

/**
 * Totals for a route or service over [from, to): hourly rows where they exist, minute rows for the rest, so a
 * 30-day window reads about 720 rows a route rather than 43,200.
 */
export async function sumTraffic(db: Db, scope: TrafficScope, from: Date, to: Date): Promise<TrafficTotals> {
  const where = scope.kind === "route" ? { route: scope.name } : { service: scope.name };
  const hourly = await db.trafficRollup.findMany({
    where: { ...where, resolution: HOUR, bucket: { gte: from, lt: to } },
    select: { bucket: true },
    orderBy: { bucket: "desc" },
    take: 1,
  });
  const minutesFrom = hourly.length ? new Date(Math.max(from.getTime(), hourly[0].bucket.getTime() + HOUR * 1000)) : from;
  const rows = await db.trafficRollup.findMany({
    where: {
      ...where,
      OR: [
        { resolution: HOUR, bucket: { gte: from, lt: to } },
        { resolution: MINUTE, bucket: { gte: minutesFrom, lt: to } },
      ],
    },
    select: { requests: true, errors: true, fallbacks: true, shed: true, rateLimited: true, rejected: true, latency: true },
  });
  const totals: TrafficTotals = { requests: 0, errors: 0, fallbacks: 0, shed: 0, rateLimited: 0, rejected: 0, latency: emptyHistogram() };
  for (const r of rows) {
    totals.requests += r.requests;
    totals.errors += r.errors;
    totals.fallbacks += r.fallbacks;
    totals.shed += r.shed;
    totals.rateLimited += r.rateLimited;
    totals.rejected += r.rejected;
    mergeHistograms(totals.latency, r.latency);
  }
  return totals;
}

/**
 * Folds minute rows older than `before` into hourly rows, so dashboards over long ranges stay fast as data grows.
 * One statement: the minutes are deleted only with their hour written, the sums are made by PostgreSQL (a backlog
 * of millions of minutes never passes through this process), and two compactions running at once cannot count a
 * minute twice (the second one's DELETE finds the rows already gone).
 */
export async function compactRollups(db: Db, before: Date): Promise<number> {
  const cutoff = Math.floor(before.getTime() / (HOUR * 1000)) * HOUR * 1000;
  const [{ folded }] = await db.$queryRaw<{ folded: number }[]>`
    WITH moved AS (
      DELETE FROM traffic_rollups WHERE resolution = ${MINUTE} AND bucket < ${utc(cutoff)} RETURNING *
    ), hours AS (
      INSERT INTO traffic_rollups AS t (resolution, bucket, route, service, requests, errors, fallbacks, shed, rate_limited, rejected, latency)
      SELECT ${HOUR}, date_trunc('hour', bucket), route, (array_agg(service ORDER BY bucket DESC))[1],
        SUM(requests), SUM(errors), SUM(fallbacks), SUM(shed), SUM(rate_limited), SUM(rejected), ${latencySums("::int")}
      FROM moved GROUP BY route, date_trunc('hour', bucket)
      ON CONFLICT (resolution, route, bucket) DO UPDATE SET
        service = excluded.service,
        requests = t.requests + excluded.requests,
        errors = t.errors + excluded.errors,
        fallbacks = t.fallbacks + excluded.fallbacks,
        shed = t.shed + excluded.shed,
        rate_limited = t.rate_limited + excluded.rate_limited,
        rejected = t.rejected + excluded.rejected,
        latency = ARRAY(SELECT COALESCE(a, 0) + COALESCE(b, 0) FROM unnest(t.latency, excluded.latency) AS u(a, b))
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM moved)::int AS folded`;
  return folded;
}

/** A timestamp parameter as the UTC wall time the `timestamp(3)` columns hold, whatever the session's time zone. */
function utc(ms: number): Prisma.Sql {
  return Prisma.sql`(to_timestamp(${ms / 1000}::float8) AT TIME ZONE 'UTC')`;
}

/** Element-wise sums of the latency histograms of the grouped rows (arrays are 1-based in SQL). */
function latencySums(cast = "::float8"): Prisma.Sql {
  const n = emptyHistogram().length;
  const sums = Array.from({ length: n }, (_, i) => `COALESCE(SUM(latency[${i + 1}]), 0)${cast}`);
  return Prisma.raw(`ARRAY[${sums.join(", ")}]`);
}

function scopeFilter(scope: TrafficScope): Prisma.Sql {
  return scope.kind === "route" ? Prisma.sql`route = ${scope.name}` : Prisma.sql`service = ${scope.name}`;
}

interface TotalsRow {
  requests: number;
  errors: number;
  fallbacks: number;
  shed: number;
  rate_limited: number;
  rejected: number;
  latency: number[];
}
const TOTALS_COLUMNS = Prisma.sql`COALESCE(SUM(requests), 0)::float8 AS requests, COALESCE(SUM(errors), 0)::float8 AS errors,
  COALESCE(SUM(fallbacks), 0)::float8 AS fallbacks, COALESCE(SUM(shed), 0)::float8 AS shed,
  COALESCE(SUM(rate_limited), 0)::float8 AS rate_limited, COALESCE(SUM(rejected), 0)::float8 AS rejected`;
const toTotals = (r: TotalsRow): TrafficTotals => ({
  requests: r.requests,
  errors: r.errors,
  fallbacks: r.fallbacks,
  shed: r.shed,
  rateLimited: r.rate_limited,
  rejected: r.rejected,
  latency: r.latency.map(Number),
});
const emptyTotals = (): TrafficTotals => ({ requests: 0, errors: 0, fallbacks: 0, shed: 0, rateLimited: 0, rejected: 0, latency: emptyHistogram() });

/**
 * Totals for several windows that all end at `to` (an SLO's window and its burn-rate windows), in one query that
 * sums in PostgreSQL. Minute and hourly rows are both read: compaction deletes a minute in the statement that adds
 * it to its hour, so no request is in both.
 */
export async function sumTrafficWindows(db: Db, scope: TrafficScope, to: Date, windowsMs: readonly number[]): Promise<TrafficTotals[]> {
  if (!windowsMs.length) return [];
  const end = to.getTime();
  const starts = windowsMs.map((w, i) => Prisma.sql`(${i}::int, ${utc(end - w)})`);
  const earliest = end - Math.max(...windowsMs);
  const rows = await db.$queryRaw<(TotalsRow & { i: number })[]>`
    WITH r AS (
      SELECT bucket, requests, errors, fallbacks, shed, rate_limited, rejected, latency FROM traffic_rollups
      WHERE resolution IN (${MINUTE}, ${HOUR}) AND ${scopeFilter(scope)} AND bucket >= ${utc(earliest)} AND bucket < ${utc(end)}
    )
    SELECT w.i, ${TOTALS_COLUMNS}, ${latencySums()} AS latency
    FROM (VALUES ${Prisma.join(starts)}) AS w(i, start) LEFT JOIN r ON r.bucket >= w.start
    GROUP BY w.i ORDER BY w.i`;
  return rows.map(toTotals);
}

export interface SeriesBucket extends TrafficTotals {
  /** Start of the bucket, milliseconds since the epoch. */
  t: number;
}

/**
 * Traffic of a route or service in buckets of `stepSeconds` from `from` to `to`, summed and grouped in PostgreSQL
 * (a 30-day range reads one route's ~3,600 rows through the primary key, not 43,200 minutes into JS). Every
 * bucket is present, empty ones with zeros; buckets start at multiples of the step since the epoch.
 */
export async function rollupSeries(db: Db, scope: TrafficScope, from: Date, to: Date, stepSeconds: number): Promise<SeriesBucket[]> {
  const stepMs = stepSeconds * 1000;
  const first = Math.floor(from.getTime() / stepMs) * stepMs;
  const end = to.getTime();
  const rows = await db.$queryRaw<(TotalsRow & { t: number })[]>`
    SELECT (floor(extract(epoch FROM bucket) / ${stepSeconds}::int) * ${stepMs}::float8)::float8 AS t, ${TOTALS_COLUMNS}, ${latencySums()} AS latency
    FROM traffic_rollups
    WHERE resolution IN (${MINUTE}, ${HOUR}) AND ${scopeFilter(scope)} AND bucket >= ${utc(first)} AND bucket < ${utc(end)}
    GROUP BY 1 ORDER BY 1`;
  const byT = new Map(rows.map((r) => [r.t, toTotals(r)]));
  const out: SeriesBucket[] = [];
  for (let t = first; t < end; t += stepMs) out.push({ t, ...(byT.get(t) ?? emptyTotals()) });
  return out;
}

export interface TrafficPoint {
  t: number;
  requests: number;
  errors: number;
  fallbacks: number;
  shed: number;
  rateLimited: number;
  rejected: number;
  /** Requests per second over the part of the bucket that has elapsed. */
  rps: number;
  /** Share of 5xx answers, null without requests. */
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface TrafficSeries {
  scope: TrafficScope;
  from: number;
  to: number;
  bucketSeconds: number;
  points: TrafficPoint[];
  totals: Omit<TrafficPoint, "t">;
}

function toPoint(b: TrafficTotals, seconds: number): Omit<TrafficPoint, "t"> {
  const p = (q: number) => histogramPercentile(b.latency, q);
  return {
    requests: b.requests,
    errors: b.errors,
    fallbacks: b.fallbacks,
    shed: b.shed,
    rateLimited: b.rateLimited,
    rejected: b.rejected,
    rps: seconds > 0 ? b.requests / seconds : 0,
    errorRate: b.requests > 0 ? b.errors / b.requests : null,
    p50: p(50),
    p95: p(95),
    p99: p(99),
  };
}

/** The traffic dashboard's data: per-bucket rates, error rate and merged-histogram percentiles, plus totals. */
export async function trafficSeries(db: Db, scope: TrafficScope, range: { ms: number; bucketSeconds: number }, now = new Date()): Promise<TrafficSeries> {
  const stepMs = range.bucketSeconds * 1000;
  const to = now.getTime();
  // The first bucket is the first whole one inside the range, so a range shows range / step points (+ the current one).
  const from = Math.ceil((to - range.ms) / stepMs) * stepMs;
  const buckets = await rollupSeries(db, scope, new Date(from), now, range.bucketSeconds);
  const totals = emptyTotals();
  for (const b of buckets) {
    totals.requests += b.requests;
    totals.errors += b.errors;
    totals.fallbacks += b.fallbacks;
    totals.shed += b.shed;
    totals.rateLimited += b.rateLimited;
    totals.rejected += b.rejected;
    mergeHistograms(totals.latency, b.latency);
  }
  return {
    scope,
    from,
    to,
    bucketSeconds: range.bucketSeconds,
    points: buckets.map((b) => ({ t: b.t, ...toPoint(b, Math.min(range.bucketSeconds, (to - b.t) / 1000)) })),
    totals: toPoint(totals, (to - from) / 1000),
  };
}
