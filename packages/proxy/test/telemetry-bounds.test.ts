import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { getTrace } from "@bulwark/db/traces";
import { eventually, startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

const BUFFER_BYTES = 2 * 1024 * 1024;
let database: TestDatabase;
let db: Db;
let gateway: Gateway;
let failing: Upstream;

beforeAll(async () => {
  database = await createTestDatabase({ embedded: true });
  db = createDb(database.url);
  // Every answer is a 500, so every request's spans are kept: the worst case for the span buffer.
  failing = await startUpstream("failing", (_req, res) => !!res.writeHead(500).end("boom"));
  await replaceDraft(db, { services: [{ name: "failing", targets: [{ address: failing.address }] }], routes: [{ name: "flood", path: "/flood", service: "failing" }] });
  const { version } = await publishDraft(db, { author: "test" });
  gateway = await startGateway({
    databaseUrl: database.url,
    workers: 1,
    env: { GATEWAY_TELEMETRY_FLUSH_MS: "200", GATEWAY_TRACE_SAMPLE_RATIO: "0", GATEWAY_TRACE_BUFFER_BYTES: String(BUFFER_BYTES) },
  });
  await gateway.waitForVersion(version, 1);
});

afterAll(async () => {
  await gateway?.stop();
  await failing?.close();
  await db?.$disconnect();
  await database?.close();
});

async function metrics(): Promise<string> {
  return (await fetch(`${gateway.adminUrl}/metrics`)).text();
}
const sample = (text: string, name: string, labels = "") => Number(text.match(new RegExp(`^${name}\\{[^}]*${labels}[^}]*\\} (\\S+)$`, "m"))?.[1] ?? NaN);

async function flood(total: number, concurrency = 16): Promise<void> {
  let next = 0;
  const filler = "p".repeat(8 * 1024);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const res = await fetch(`${gateway.url}/flood/${i}/${filler}`);
        await res.arrayBuffer();
      }
    }),
  );
}

describe("telemetry while PostgreSQL stalls span writes", () => {
  it("keeps the worker's memory and span buffer at their bounds, counts the drops, and writes spans again when the stall ends", async () => {
    // The gateway's spans table locked in an open transaction: every span write waits, as on a stalled database.
    const locker = new pg.Client({ connectionString: database.migrationUrl });
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE trace_spans IN ACCESS EXCLUSIVE MODE");
    let locked = true;
    const started = Date.now();
    try {
      await flood(200); // warm up, and a write is now stuck on the lock
      const before = sample(await metrics(), "bulwark_worker_resident_memory_bytes");
      await flood(3000);
      const text = await metrics();
      const after = sample(text, "bulwark_worker_resident_memory_bytes");
      const dropped = sample(text, "bulwark_telemetry_dropped_total", 'kind="span",reason="buffer_full"');
      const pendingBytes = sample(text, "bulwark_telemetry_pending_bytes", 'kind="span"');
      // 3,200 requests of two spans with 8 KB paths: over 50 MB uncut; the buffer holds 2 MiB of cut spans.
      expect(pendingBytes).toBeLessThanOrEqual(BUFFER_BYTES);
      expect(dropped).toBeGreaterThan(1000);
      expect(after - before).toBeLessThan(200 * 1024 * 1024);
      console.log(`rss before ${Math.round(before / 2 ** 20)} MiB, after ${Math.round(after / 2 ** 20)} MiB; dropped ${dropped} spans; pending ${pendingBytes} bytes`);

      // Said in the worker's log, at most once per 30 s however many were dropped.
      await eventually(() => gateway.output().includes("telemetry dropped"), "the drops logged");
      const lines = gateway.output().split("telemetry dropped").length - 1;
      expect(lines).toBeGreaterThanOrEqual(1);
      expect(lines).toBeLessThanOrEqual(1 + Math.floor((Date.now() - started) / 30_000));

      await locker.query("COMMIT");
      locked = false;
      await eventually(async () => sample(await metrics(), "bulwark_telemetry_pending", 'kind="span"') === 0, "the buffered spans written", 60_000);
      const stored = await db.traceSpan.count();
      expect(stored).toBeGreaterThan(0);
      const longest = await db.traceSpan.findFirst({ where: { route: "flood" }, select: { path: true } });
      expect(longest!.path!.length).toBeLessThan(1100);
      expect(longest!.path).toMatch(/…\[\d+ chars\]$/);

      // After the stall, a new failed request is stored again.
      const traceId = "5bf92f3577b34da6a3ce929d0e0e4736";
      await (await fetch(`${gateway.url}/flood/after`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` } })).arrayBuffer();
      await eventually(async () => (await getTrace(db, traceId)).length === 2, "the new trace stored", 30_000);
    } finally {
      if (locked) await locker.query("ROLLBACK").catch(() => {});
      await locker.end();
    }
  });
});
