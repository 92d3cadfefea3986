import { emptyHistogram, mergeHistograms, type LatencyCounts } from "@bulwark/slo/histogram";
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
    (r) =>
      Prisma.sql`(${resolution}, ${r.bucket}, ${r.route}, ${r.service}, ${r.requests}, ${r.errors}, ${r.fallbacks}, ${r.shed}, ${r.rateLimited}, ${r.rejected}, ${r.latency}::int[])`,
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
 * Folds minute rows older than `before` into hourly rows (one transaction: the minutes are deleted only with
 * their hour written), so dashboards over long ranges stay fast as data grows.
 */
export async function compactRollups(db: Db, before: Date): Promise<number> {
  const cutoff = new Date(Math.floor(before.getTime() / (HOUR * 1000)) * HOUR * 1000);
  return db.$transaction(async (tx) => {
    const minutes = await tx.trafficRollup.findMany({ where: { resolution: MINUTE, bucket: { lt: cutoff } } });
    if (!minutes.length) return 0;
    const hours = new Map<string, RollupRow>();
    for (const m of minutes) {
      const bucket = new Date(Math.floor(m.bucket.getTime() / (HOUR * 1000)) * HOUR * 1000);
      const key = `${m.route}\u0000${bucket.getTime()}`;
      const h = hours.get(key) ?? { bucket, route: m.route, service: m.service, requests: 0, errors: 0, fallbacks: 0, shed: 0, rateLimited: 0, rejected: 0, latency: emptyHistogram() };
      h.requests += m.requests;
      h.errors += m.errors;
      h.fallbacks += m.fallbacks;
      h.shed += m.shed;
      h.rateLimited += m.rateLimited;
      h.rejected += m.rejected;
      mergeHistograms(h.latency, m.latency);
      hours.set(key, h);
    }
    const list = [...hours.values()];
    for (let i = 0; i < list.length; i += 500) await writeRollups(tx as unknown as Db, list.slice(i, i + 500), HOUR);
    await tx.trafficRollup.deleteMany({ where: { resolution: MINUTE, bucket: { lt: cutoff } } });
    return minutes.length;
  });
}
