import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb } from "@bulwark/db/client";
import { getFreePort, resolveDatabase } from "@bulwark/db/database";
import { getSloStatus } from "@bulwark/db/slos";
import { trafficSeries } from "@bulwark/db/traffic";
import { percentile } from "./percentiles";

const ROUTES = 100;
const DAY = 86_400_000;

export interface DashboardQueryResult {
  rows: number;
  routeP50: number;
  routeP99: number;
  serviceMs: number;
  sloStatusMs: number;
}

/**
 * The 30-day traffic dashboard on a month of data for 100 routes (10 services of 10), as compaction leaves it:
 * minute rows for the last 48 h, hourly rows before. Times each route's 30-day series, a service's, and an SLO's
 * status (its 30-day window and five burn-rate windows).
 */
export async function benchDashboardQueries(): Promise<DashboardQueryResult> {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-dash-"));
  chmodSync(dir, 0o755);
  const database = await resolveDatabase({ dataDir: dir, port: await getFreePort() });
  const db = createDb(database.url, { max: 4, connectionTimeoutMillis: 120_000 });
  try {
    const now = new Date();
    const minuteFrom = now.getTime() - 2 * DAY;
    const latency = "ARRAY[40, 120, 200, 120, 60, 30, 15, 6, 4, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0]";
    const insert = (resolution: number, from: number, to: number, step: string) =>
      db.$executeRawUnsafe(`
        INSERT INTO traffic_rollups (resolution, bucket, route, service, requests, errors, fallbacks, shed, rate_limited, rejected, latency)
        SELECT ${resolution}, ts, 'route-' || r, 'service-' || (r % 10), 600 * ${resolution / 60}, (r % 7) * ${resolution / 60}, 1, 0, 2, 0, ${latency}
        FROM generate_series(1, ${ROUTES}) r,
             generate_series(date_trunc('${resolution === 60 ? "minute" : "hour"}', to_timestamp(${from / 1000}) AT TIME ZONE 'UTC'),
                             to_timestamp(${to / 1000}) AT TIME ZONE 'UTC', interval '${step}') ts`);
    const hours = await insert(3600, now.getTime() - 30 * DAY, minuteFrom - 3_600_000, "1 hour");
    const minutes = await insert(60, minuteFrom, now.getTime() - 60_000, "1 minute");
    // VACUUM needs the table's owner, not the runtime role the reads run as.
    const owner = createDb(database.migrationUrl, { max: 1 });
    try {
      await owner.$executeRawUnsafe("VACUUM ANALYZE traffic_rollups");
    } finally {
      await owner.$disconnect();
    }

    const range = { ms: 30 * DAY, bucketSeconds: 7200 };
    await trafficSeries(db, { kind: "route", name: "route-1" }, range, now); // warm the pool and the cache
    const times: number[] = [];
    for (let r = 1; r <= ROUTES; r++) {
      const t = performance.now();
      const series = await trafficSeries(db, { kind: "route", name: `route-${r}` }, range, now);
      times.push(performance.now() - t);
      if (series.totals.requests === 0) throw new Error(`no traffic read for route-${r}`);
    }
    let t = performance.now();
    await trafficSeries(db, { kind: "service", name: "service-1" }, range, now);
    const serviceMs = performance.now() - t;
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
    await getSloStatus(db, slo, now);
    const sloStatusMs = performance.now() - t;
    return { rows: minutes + hours, routeP50: percentile(times, 50), routeP99: percentile(times, 99), serviceMs, sloStatusMs };
  } finally {
    await db.$disconnect();
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
