/**
 * Measures the traffic dashboard's queries on a month of data for 100 routes (10 services of 10 routes): minute rows
 * for the last 48 h and hourly rows before (what compaction leaves), or with `--uncompacted` a whole month of minutes.
 * Run: npx tsx packages/db/test/measure-traffic-series.ts [--uncompacted]
 */
import { performance } from "node:perf_hooks";
import { createDb } from "../src/client";
import { getSloStatus } from "../src/slo-store";
import { trafficSeries } from "../src/traffic-rollups";
import { createTestDatabase } from "./test-database";

const ROUTES = 100;
const DAY = 86_400_000;
const uncompacted = process.argv.includes("--uncompacted");
const database = await createTestDatabase();
// As the owner: VACUUM ANALYZE is the owner's, and the runtime role would skip it with a warning.
const db = createDb(database.migrationUrl, { max: 10, connectionTimeoutMillis: 120_000 });
const now = new Date();
const minuteFrom = uncompacted ? now.getTime() - 30 * DAY : now.getTime() - 2 * DAY;
const latency = `ARRAY[40, 120, 200, 120, 60, 30, 15, 6, 4, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0]`;
const insert = (resolution: number, from: number, to: number, step: string) =>
  db.$executeRawUnsafe(`
  INSERT INTO traffic_rollups (resolution, bucket, route, service, requests, errors, fallbacks, shed, rate_limited, rejected, latency)
  SELECT ${resolution}, ts, 'route-' || r, 'service-' || (r % 10), 600 * ${resolution / 60}, (r % 7) * ${resolution / 60}, 1, 0, 2, 0, ${latency}
  FROM generate_series(1, ${ROUTES}) r,
       generate_series(date_trunc('${resolution === 60 ? "minute" : "hour"}', to_timestamp(${from / 1000}) AT TIME ZONE 'UTC'),
                       to_timestamp(${to / 1000}) AT TIME ZONE 'UTC', interval '${step}') ts`);

try {
  let t = performance.now();
  const hours = uncompacted ? 0 : await insert(3600, now.getTime() - 30 * DAY, minuteFrom - 3_600_000, "1 hour");
  const minutes = await insert(60, minuteFrom, now.getTime() - 60_000, "1 minute");
  await db.$executeRawUnsafe("VACUUM ANALYZE traffic_rollups");
  console.log(`rows: ${minutes} minute rows + ${hours} hourly rows = ${minutes + hours} (${ROUTES} routes, 30 days), written in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const range = { ms: 30 * DAY, bucketSeconds: 7200 };
  await trafficSeries(db, { kind: "route", name: "route-1" }, range, now); // warm the pool and the cache
  const times: number[] = [];
  for (let r = 1; r <= ROUTES; r++) {
    t = performance.now();
    const s = await trafficSeries(db, { kind: "route", name: `route-${r}` }, range, now);
    times.push(performance.now() - t);
    if (s.points.length !== 360 || s.totals.requests === 0) throw new Error(`unexpected series for route-${r}`);
  }
  times.sort((a, b) => a - b);
  console.log(`30-day series of one route, each of the 100 in turn: p50 ${times[49].toFixed(1)} ms, p99 ${times[98].toFixed(1)} ms, max ${times[99].toFixed(1)} ms`);

  t = performance.now();
  await Promise.all(Array.from({ length: ROUTES }, (_, i) => trafficSeries(db, { kind: "route", name: `route-${i + 1}` }, range, now)));
  console.log(`30-day series of all 100 routes at once (10 connections): ${(performance.now() - t).toFixed(0)} ms`);

  t = performance.now();
  await trafficSeries(db, { kind: "service", name: "service-1" }, range, now);
  console.log(`30-day series of a service of 10 routes: ${(performance.now() - t).toFixed(1)} ms`);

  const slo = {
    name: "s",
    description: "",
    target: { kind: "route" as const, name: "route-3" },
    indicator: { type: "availability" as const, fallbacksCountAsGood: false },
    objectivePercent: 99.9,
    windowDays: 30 as const,
    webhookUrl: null,
  };
  t = performance.now();
  const status = await getSloStatus(db, slo, now);
  console.log(`SLO status (30-day window and 5 burn windows, one query): ${(performance.now() - t).toFixed(1)} ms, SLI ${status.budget.sli}`);
  const plan = await db.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(
    `EXPLAIN SELECT count(*) FROM traffic_rollups WHERE resolution IN (60, 3600) AND route = 'route-5' AND bucket >= now() - interval '30 days'`,
  );
  console.log(plan.map((p) => p["QUERY PLAN"]).join("\n"));
} finally {
  await db.$disconnect();
  await database.close();
}
