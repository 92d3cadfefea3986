import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { getSloStatus } from "@bulwark/db/slos";
import { createTestDatabase, getFreePort, type TestDatabase } from "@bulwark/db/test-database";
import { getTrace, listTraces } from "@bulwark/db/traces";
import { sumTraffic } from "@bulwark/db/traffic";
import { SloSchema } from "@bulwark/config/slo";
import { eventually, startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

let database: TestDatabase;
let db: Db;
let gateway: Gateway;
let exams: Upstream;
let collector: Server;
const exported: string[] = [];
let closedPort = 0;

beforeAll(async () => {
  // Embedded, so the test can stop and start it (the outage case).
  database = await createTestDatabase({ embedded: true });
  db = createDb(database.url);
  exams = await startUpstream("exams", (req, res) => (req.url?.startsWith("/fail") ? !!res.writeHead(500).end("boom") : false));
  closedPort = await getFreePort();
  const collectorPort = await getFreePort();
  collector = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (req.url === "/v1/traces") exported.push(body);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((ok) => collector.listen(collectorPort, "127.0.0.1", ok));
  await replaceDraft(db, {
    services: [
      { name: "assessments", targets: [{ address: exams.address }] },
      { name: "gone", targets: [{ address: `127.0.0.1:${closedPort}` }] },
    ],
    routes: [
      { name: "exams", path: "/exams", service: "assessments", stripPrefix: true },
      { name: "gone", path: "/gone", service: "gone" },
    ],
  });
  const { version } = await publishDraft(db, { author: "test" });
  gateway = await startGateway({
    databaseUrl: database.url,
    workers: 2,
    env: { LOG_LEVEL: process.env.DEBUG_GW ? "debug" : "warn", GATEWAY_TELEMETRY_FLUSH_MS: "300", GATEWAY_TRACE_SAMPLE_RATIO: "0", OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}` },
  });
  await gateway.waitForVersion(version);
});

afterAll(async () => {
  await gateway?.stop();
  await exams?.close();
  collector?.close();
  await db?.$disconnect();
  await database?.close();
});

async function send(total: number, path: (i: number) => string, concurrency = 8): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const res = await fetch(`${gateway.url}${path(i)}`, { headers: { connection: i % 10 === 0 ? "close" : "keep-alive" } });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    }),
  );
  return statuses;
}

const lastHour = () => [new Date(Date.now() - 3_600_000), new Date(Date.now() + 60_000)] as const;

describe("traffic rollups and SLOs", () => {
  it("count a known mix exactly: 2,000 requests of which 20 fail give SLI 99% and the matching budget and burn", async () => {
    const statuses = await send(2000, (i) => (i % 100 === 7 ? `/exams/fail/${i}` : `/exams/ok/${i}`));
    expect(statuses.filter((s) => s === 500)).toHaveLength(20);
    await eventually(async () => (await sumTraffic(db, { kind: "route", name: "exams" }, ...lastHour())).requests === 2000, "every worker's rollups written", 30_000);
    const totals = await sumTraffic(db, { kind: "service", name: "assessments" }, ...lastHour());
    expect(totals).toMatchObject({ requests: 2000, errors: 20, fallbacks: 0 });
    expect(totals.latency.reduce((a, b) => a + b, 0)).toBe(2000);

    const slo = SloSchema.parse({ name: "exams-availability", target: { kind: "route", name: "exams" }, indicator: { type: "availability" }, objectivePercent: 99.9, windowDays: 30 });
    const status = await getSloStatus(db, slo);
    expect(status.window).toEqual({ good: 1980, total: 2000 });
    // 1% failing against a 0.1% budget: a burn rate of 10 in every window that holds the traffic.
    expect(status.burnRates["1h"]).toBeCloseTo(10, 6);
    expect(status.burnRates["5m"]).toBeCloseTo(10, 6);
    expect(status.budget.spentFraction).toBeCloseTo(10, 6);
  });

  it("wait in the worker while PostgreSQL is down and are written when it returns", async () => {
    const before = (await sumTraffic(db, { kind: "route", name: "exams" }, ...lastHour())).requests;
    await database.server!.stop();
    const statuses = await send(300, (i) => `/exams/ok/outage-${i}`);
    expect(statuses.every((s) => s === 200)).toBe(true); // traffic never waits on the database
    await new Promise((r) => setTimeout(r, 1000)); // a few failed flushes
    await database.server!.start();
    let seen = 0;
    await eventually(async () => (seen = (await sumTraffic(db, { kind: "route", name: "exams" }, ...lastHour())).requests) === before + 300, "the buffered rollups written", 30_000).catch((e) => {
      throw new Error(`${(e as Error).message}: ${seen} requests counted, expected ${before + 300}\n${gateway.output()}`);
    });
  });
});

describe("Prometheus metrics", () => {
  it("sum every worker's counters on the admin port and show each worker's config version", async () => {
    const text = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
    const value = (pattern: RegExp) => Number(text.match(pattern)?.[1]);
    expect(value(/bulwark_requests_total\{route="exams",service="assessments",status_class="5xx",outcome="proxied"\} (\d+)/)).toBe(20);
    expect(value(/bulwark_requests_total\{route="exams",service="assessments",status_class="2xx",outcome="proxied"\} (\d+)/)).toBe(2280);
    expect(value(/bulwark_request_duration_seconds_count\{route="exams",service="assessments"\} (\d+)/)).toBe(2300);
    const versions = [...text.matchAll(/bulwark_config_version\{worker="\d+"\} (\d+)/g)].map((m) => Number(m[1]));
    expect(versions).toEqual([1, 1]);
    expect(text).toContain("# TYPE bulwark_request_duration_seconds histogram");
    expect(text).toMatch(/bulwark_event_loop_delay_seconds\{worker="\d+"\}/);
    // The telemetry buffers' own state, by kind: nothing dropped in a run whose database kept up.
    expect(text).toMatch(/bulwark_telemetry_pending_bytes\{kind="span",worker="\d+"\} \d+/);
    expect(text).toMatch(/bulwark_worker_resident_memory_bytes\{worker="\d+"\} \d+/);
    expect(text).not.toMatch(/bulwark_telemetry_dropped_total\{[^}]*\} [1-9]/);
  });
});

describe("traces", () => {
  it("keep a failed request with its attempts, continuing the caller's trace, in PostgreSQL and over OTLP", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await fetch(`${gateway.url}/gone/x`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` } });
    expect(res.status).toBe(502);
    await eventually(async () => (await getTrace(db, traceId)).length === 3, "the trace stored", 30_000);
    const [root, first, second] = await getTrace(db, traceId);
    expect(root).toMatchObject({
      kind: "server",
      parentSpanId: "00f067aa0ba902b7",
      route: "gone",
      service: "gone",
      status: 502,
      errorCode: "UPSTREAM_CONNECTION_REFUSED",
      retries: 1,
      keptBecause: "error",
      method: "GET",
      path: "/gone/x",
    });
    for (const attempt of [first, second]) {
      expect(attempt).toMatchObject({ kind: "client", parentSpanId: root.spanId, target: `127.0.0.1:${closedPort}`, status: 502, errorCode: "UPSTREAM_CONNECTION_REFUSED" });
      expect(attempt.startedAt.getTime()).toBeGreaterThanOrEqual(root.startedAt.getTime() - 1);
    }
    expect((await listTraces(db, { route: "gone" })).map((t) => t.traceId)).toContain(traceId);
    // Sampling is 0 and these succeeded quickly: none of the 2,300 good requests was kept.
    expect(await listTraces(db, { route: "exams", status: 200 })).toEqual([]);
    await eventually(() => exported.some((body) => body.includes(traceId) || body.includes(Buffer.from(traceId, "hex").toString("base64"))), "the span exported over OTLP", 30_000);
  });
});
