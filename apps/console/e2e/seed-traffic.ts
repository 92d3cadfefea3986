import { createDb } from "@bulwark/db/client";
import { writeRollups, type RollupRow } from "@bulwark/db/traffic";

const MINUTE = 60_000;
const HOUR = 3_600_000;

export interface TrafficShape {
  route: string;
  service: string;
  /** Requests per minute at the quietest hour; the day's curve peaks at about 2.5 times this. */
  perMinute: number;
  /** Share of 5xx answers outside incidents. */
  errorRate: number;
  /** Extra error share during incidents: [start, end] in ms before now. */
  incidents?: { fromAgoMs: number; toAgoMs: number; errorRate: number }[];
  /** Share of answers slower than 300 ms. */
  slowShare?: number;
}

// 19 buckets: <=5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, ... ms.
function latency(requests: number, slow: number): number[] {
  const h = new Array(19).fill(0);
  const fast = requests - slow;
  const shares = [0.05, 0.2, 0.35, 0.25, 0.1, 0.05];
  let left = fast;
  shares.forEach((s, i) => {
    const n = i === shares.length - 1 ? left : Math.round(fast * s);
    h[i] = n;
    left -= n;
  });
  h[9] = Math.round(slow * 0.7);
  h[10] = slow - h[9];
  return h;
}

/**
 * A month of one route's traffic as the workers and the console's compaction would leave it: hourly rows older
 * than 48 hours, minute rows since. Deterministic (a daily curve, no randomness) so screenshots are stable.
 */
export async function seedTraffic(databaseUrl: string, shape: TrafficShape, now = Date.now()): Promise<number> {
  const db = createDb(databaseUrl, { max: 2 });
  try {
    const rows: { row: RollupRow; resolution: number }[] = [];
    const thisMinute = Math.floor(now / MINUTE) * MINUTE;
    const minutesFrom = Math.floor((now - 48 * HOUR) / HOUR) * HOUR;
    // Small per-minute counts are carried over instead of rounded away, so 0.1% of 7 requests a minute still adds up.
    const carry: Record<string, number> = {};
    const count = (key: string, expected: number) => {
      const total = (carry[key] ?? 0) + expected;
      const n = Math.floor(total);
      carry[key] = total - n;
      return n;
    };
    const make = (bucket: number, spanMinutes: number): RollupRow => {
      const hour = new Date(bucket).getUTCHours() + new Date(bucket).getUTCMinutes() / 60;
      const daily = 1 + 0.75 * (1 - Math.cos(((hour - 3) / 24) * 2 * Math.PI)); // quiet at 03:00, busy at 15:00
      const requests = Math.round(shape.perMinute * daily * spanMinutes);
      const ago = now - bucket;
      const incident = shape.incidents?.find((i) => ago <= i.fromAgoMs && ago >= i.toAgoMs);
      const errors = count("errors", requests * (shape.errorRate + (incident?.errorRate ?? 0)));
      const fallbacks = count("fallbacks", requests * (incident ? 0.004 : 0.0005));
      const shed = count("shed", incident ? requests * 0.002 : 0);
      const rateLimited = count("rateLimited", requests * 0.001 * (1 + Math.sin(hour)));
      const slow = count("slow", requests * (shape.slowShare ?? 0.01) * (incident ? 4 : 1));
      return { bucket: new Date(bucket), route: shape.route, service: shape.service, requests, errors, fallbacks, shed, rateLimited, rejected: 0, latency: latency(requests, slow) };
    };
    for (let t = Math.floor((now - 30 * 24 * HOUR) / HOUR) * HOUR; t < minutesFrom; t += HOUR) rows.push({ row: make(t, 60), resolution: 3600 });
    for (let t = minutesFrom; t < thisMinute; t += MINUTE) rows.push({ row: make(t, 1), resolution: 60 });
    for (const resolution of [3600, 60]) {
      const batch = rows.filter((r) => r.resolution === resolution).map((r) => r.row);
      for (let i = 0; i < batch.length; i += 500) await writeRollups(db, batch.slice(i, i + 500), resolution);
    }
    return rows.length;
  } finally {
    await db.$disconnect();
  }
}
