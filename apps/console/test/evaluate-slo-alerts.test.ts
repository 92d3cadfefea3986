import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { createRoute, createService } from "@bulwark/db/config-store";
import { createSlo } from "@bulwark/db/slos";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { writeRollups, type RollupRow } from "@bulwark/db/traffic";
import { evaluateSloAlerts, SLO_EVALUATOR_LOCK_KEY } from "@/server/slo/evaluate-slo-alerts";
import { startSloEvaluator } from "@/server/slo/start-slo-evaluator";

let database: TestDatabase;
let db: Db;
let receiver: Server;
let silent: Server;
let hookUrl: string;
let silentUrl: string;
const received: { path: string; headers: IncomingMessage["headers"]; body: unknown }[] = [];

const listen = (server: Server) => new Promise<string>((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

beforeAll(async () => {
  // The webhook receivers run on loopback, which webhooks may reach only when the allow-list names it.
  process.env.BULWARK_OUTBOUND_ALLOW = "127.0.0.1/32";
  database = await createTestDatabase();
  db = createDb(database.url);
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  silent = createServer(() => {}); // accepts and never answers
  hookUrl = `${await listen(receiver)}/hooks/slo`;
  silentUrl = `${await listen(silent)}/never`;
  await createService(db, { name: "assessments", targets: [{ address: "127.0.0.1:4005" }] });
  await createRoute(db, { name: "exams", path: "/exams", service: "assessments" });
  await createRoute(db, { name: "grades", path: "/grades", service: "assessments" });
}, 60_000);

afterAll(async () => {
  silent?.closeAllConnections();
  await Promise.all([new Promise((r) => receiver?.close(r)), new Promise((r) => silent?.close(r))]);
  await db?.$disconnect();
  await database?.close();
});

const NOW = new Date(Date.UTC(2026, 10, 25, 9, 0, 30));
const minuteAgo = (k: number, from = NOW) => new Date(Math.floor(from.getTime() / 60_000) * 60_000 - k * 60_000);
const traffic = (route: string, bucket: Date, requests: number, errors: number): RollupRow => ({
  bucket,
  route,
  service: "assessments",
  requests,
  errors,
  fallbacks: 0,
  shed: 0,
  rateLimited: 0,
  rejected: 0,
  latency: [requests, ...new Array(18).fill(0)],
});
const quietLog = () => ({ warn: vi.fn() });

describe("SLO alert evaluation", () => {
  it("records a page when 10% of an exam route's requests fail, stores the state and POSTs the change to the webhook", async () => {
    await createSlo(db, { name: "exams-availability", target: { kind: "route", name: "exams" }, indicator: { type: "availability" }, objectivePercent: 99.9, webhookUrl: hookUrl });
    await createSlo(db, { name: "grades-availability", target: { kind: "route", name: "grades" }, indicator: { type: "availability" }, objectivePercent: 99 });
    // 1,000 requests, 100 failed, in the last 10 minutes: a 100x burn over the 5m and 1h windows.
    await writeRollups(
      db,
      Array.from({ length: 10 }, (_, k) => traffic("exams", minuteAgo(k + 1), 100, 10)),
    );
    await writeRollups(db, [traffic("grades", minuteAgo(1), 100, 0)]);

    const result = await evaluateSloAlerts(db, { now: NOW, log: quietLog() });
    expect(result).toMatchObject({ evaluated: 2, webhooks: [{ slo: "exams-availability", url: hookUrl, ok: true, status: 204 }] });
    expect(result!.changes.map((c) => [c.slo.name, c.previous, c.status.alert])).toEqual([["exams-availability", "ok", "page"]]);

    const events = await db.sloAlertEvent.findMany();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ sloName: "exams-availability", state: "page", previous: "ok", at: NOW });
    expect((events[0].burnRates as Record<string, number>)["5m"]).toBeCloseTo(100, 9);
    expect((await db.sloDefinition.findMany({ orderBy: { name: "asc" } })).map((s) => s.alertState)).toEqual(["page", "ok"]);

    expect(received).toHaveLength(1);
    expect(received[0].path).toBe("/hooks/slo");
    expect(received[0].headers["content-type"]).toBe("application/json");
    const body = received[0].body as Record<string, unknown>;
    expect(body).toMatchObject({
      type: "bulwark.slo.alert",
      slo: "exams-availability",
      state: "page",
      previous: "ok",
      at: NOW.toISOString(),
      target: { kind: "route", name: "exams" },
      objectivePercent: 99.9,
      windowDays: 30,
      sli: 0.9,
    });
    expect(body.budgetRemaining).toBeCloseTo(-99, 9);
    expect((body.burnRates as Record<string, number>)["1h"]).toBeCloseTo(100, 9);
    expect((body.firing as { severity: string; threshold: number }[]).map((r) => [r.severity, r.threshold])).toEqual([
      ["page", 14.4],
      ["page", 6],
      ["ticket", 1],
    ]);
  });

  it("records nothing and calls no webhook while the state stays the same", async () => {
    const result = await evaluateSloAlerts(db, { now: new Date(NOW.getTime() + 30_000), log: quietLog() });
    expect(result).toMatchObject({ evaluated: 2, changes: [], webhooks: [] });
    expect(await db.sloAlertEvent.count()).toBe(1);
    expect(received).toHaveLength(1);
  });

  it("skips the round while another console instance holds the evaluation lock", async () => {
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query("SELECT pg_advisory_xact_lock($1)", [SLO_EVALUATOR_LOCK_KEY]);
      expect(await evaluateSloAlerts(db, { now: new Date(NOW.getTime() + 2 * 86_400_000), log: quietLog() })).toBeNull();
      await other.query("COMMIT");
    } finally {
      await other.end();
    }
    expect(await db.sloAlertEvent.count()).toBe(1);
  });

  it("logs a webhook that never answers or refuses, records the change anyway, and carries on", async () => {
    await db.sloDefinition.update({
      where: { name: "grades-availability" },
      data: {
        spec: {
          name: "grades-availability",
          description: "",
          target: { kind: "route", name: "grades" },
          indicator: { type: "availability", fallbacksCountAsGood: false },
          objectivePercent: 99,
          windowDays: 30,
          webhookUrl: silentUrl,
        },
      },
    });
    await db.sloDefinition.update({
      where: { name: "exams-availability" },
      data: {
        spec: {
          name: "exams-availability",
          description: "",
          target: { kind: "route", name: "exams" },
          indicator: { type: "availability", fallbacksCountAsGood: false },
          objectivePercent: 99.9,
          windowDays: 30,
          webhookUrl: "http://127.0.0.1:1/closed",
        },
      },
    });
    const later = new Date(NOW.getTime() + 35 * 60_000);
    await writeRollups(db, [traffic("grades", minuteAgo(1, later), 100, 50)]);
    const log = quietLog();
    // 35 minutes later the exam route burns only in its long windows (the page becomes a ticket); grades fail half their requests.
    const result = await evaluateSloAlerts(db, { now: later, webhookTimeoutMs: 300, log });
    expect(result!.changes.map((c) => [c.slo.name, c.previous, c.status.alert])).toEqual([
      ["exams-availability", "page", "ticket"],
      ["grades-availability", "ok", "page"],
    ]);
    expect(result!.webhooks.map((w) => [w.slo, w.ok])).toEqual([
      ["exams-availability", false],
      ["grades-availability", false],
    ]);
    expect(result!.webhooks[1].error).toMatch(/TimeoutError|abort/i);
    expect(log.warn).toHaveBeenCalledTimes(2);
    expect(String(log.warn.mock.calls.map((c) => c[0]))).toContain("grades-availability");
    expect((await db.sloDefinition.findMany({ orderBy: { name: "asc" } })).map((s) => s.alertState)).toEqual(["ticket", "page"]);
    expect(await db.sloAlertEvent.count()).toBe(3);
  });

  it("runs by itself in the background, compacts old minutes, and survives a failing round", async () => {
    const old = new Date(Date.now() - 3 * 86_400_000);
    await writeRollups(db, [traffic("exams", old, 10, 0)]);
    const log = { warn: vi.fn(), error: vi.fn() };
    let calls = 0;
    // The first round fails (the database "goes away"); the next ones use the real client.
    const flaky = new Proxy(db, {
      get: (target, key, receiver) => (key === "$transaction" && calls++ === 0 ? () => Promise.reject(new Error("connection refused")) : Reflect.get(target, key, receiver)),
    });
    const loop = startSloEvaluator(flaky, { intervalMs: 50, log });
    try {
      await vi.waitFor(async () => expect(await db.trafficRollup.count({ where: { resolution: 60, bucket: { lte: old } } })).toBe(0), { timeout: 30_000, interval: 100 });
    } finally {
      loop.stop();
    }
    expect(log.error).toHaveBeenCalledWith("[slo-alerts] evaluation round failed:", "connection refused");
    // Only this hour's row: the earlier tests' minutes (at the pinned NOW) are compacted too once NOW is 48 h old.
    const hour = new Date(Math.floor(old.getTime() / 3600_000) * 3600_000);
    expect(await db.trafficRollup.count({ where: { resolution: 3600, route: "exams", bucket: hour } })).toBe(1);
  });
});
