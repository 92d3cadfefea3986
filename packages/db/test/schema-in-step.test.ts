import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createDb, type Db } from "../src/client";
import { migrate, MIGRATIONS_DIR } from "../src/migrate";
import { createTestDatabase, type TestDatabase } from "./test-database";

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.close();
});

describe("schema.prisma and the SQL migrations", () => {
  it("agree on every model: each one is written and read back with every field through the generated client", async () => {
    const now = new Date("2026-11-24T10:00:00.000Z");
    const service = await db.service.create({ data: { name: "s", spec: { name: "s", targets: [] } } });
    expect(await db.service.findUniqueOrThrow({ where: { id: service.id } })).toMatchObject({ name: "s", spec: { name: "s" } });
    const consumer = await db.consumer.create({ data: { name: "c", spec: { name: "c", apiKeys: [] } } });
    expect(await db.consumer.findUniqueOrThrow({ where: { name: "c" } })).toMatchObject({ id: consumer.id, spec: { name: "c" } });
    const route = await db.route.create({ data: { name: "r", spec: { name: "r" } } });
    expect((await db.route.findUniqueOrThrow({ where: { name: "r" } })).id).toBe(route.id);
    await db.configVersion.create({ data: { version: 1, hash: "h", author: "a", message: "m", config: {}, changes: [], createdAt: now } });
    expect(await db.configVersion.findUniqueOrThrow({ where: { version: 1 } })).toMatchObject({ hash: "h", createdAt: now });
    const worker = { id: "w", host: "h", pid: 1, startedAt: now, lastHeartbeatAt: now, version: 1, versionHash: "h", appliedAt: now, rejectedVersion: 2, lastError: "e", stoppedAt: now };
    await db.worker.create({ data: worker });
    expect(await db.worker.findUniqueOrThrow({ where: { id: "w" } })).toEqual(worker);
    const rollup = { resolution: 60, bucket: now, route: "r", service: "s", requests: 3, errors: 1, fallbacks: 1, shed: 1, rateLimited: 1, rejected: 1, latency: [1, 2] };
    await db.trafficRollup.create({ data: rollup });
    expect(await db.trafficRollup.findFirstOrThrow()).toEqual(rollup);
    const slo = await db.sloDefinition.create({ data: { name: "slo", spec: { objectivePercent: 99.9 } } });
    expect(await db.sloDefinition.findUniqueOrThrow({ where: { name: "slo" } })).toMatchObject({ id: slo.id, alertState: "ok", spec: { objectivePercent: 99.9 } });
    const event = await db.sloAlertEvent.create({ data: { sloName: "slo", state: "page", previous: "ok", burnRates: { "1h": 20 }, at: now } });
    expect(await db.sloAlertEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({ state: "page", previous: "ok", burnRates: { "1h": 20 }, at: now });
    const span = {
      traceId: "t",
      spanId: "s",
      parentSpanId: "p",
      name: "n",
      kind: "server",
      route: "r",
      service: "s",
      target: "h:1",
      method: "GET",
      path: "/x",
      status: 502,
      errorCode: "E",
      outcome: "proxied",
      retries: 1,
      startedAt: now,
      durationMs: 1.5,
      attributes: { connectMs: 1 },
      keptBecause: "error",
    };
    await db.traceSpan.create({ data: span });
    expect(await db.traceSpan.findFirstOrThrow()).toEqual(span);
    const user = await db.user.create({ data: { email: "a@b.c", name: "A", role: "operator", passwordHash: "h", disabledAt: now } });
    expect(await db.user.findUniqueOrThrow({ where: { email: "a@b.c" } })).toMatchObject({ id: user.id, name: "A", role: "operator", passwordHash: "h", disabledAt: now });
    const session = { tokenHash: "th", userId: user.id, createdAt: now, lastSeenAt: now, expiresAt: now, revokedAt: now, ip: "127.0.0.1", userAgent: "ua" };
    const sessionRow = await db.session.create({ data: session });
    expect(await db.session.findUniqueOrThrow({ where: { tokenHash: "th" }, include: { user: true } })).toMatchObject({ ...session, id: sessionRow.id, user: { email: "a@b.c" } });
    const token = {
      name: "ci",
      role: "viewer",
      tokenHash: "tk",
      prefix: "bwt_x",
      createdBy: "a@b.c",
      createdByKind: "user",
      createdById: user.id,
      createdAt: now,
      expiresAt: now,
      revokedAt: now,
      lastUsedAt: now,
    };
    const tokenRow = await db.apiToken.create({ data: token });
    expect(await db.apiToken.findUniqueOrThrow({ where: { tokenHash: "tk" } })).toEqual({ ...token, id: tokenRow.id });
    const attempt = { key: "pair:a@b.c|::1", failures: 3, lastFailureAt: now, nextAttemptAt: now, lockedUntil: now, refused: 2, refusedAuditedAt: now };
    await db.signInAttempt.create({ data: attempt });
    expect(await db.signInAttempt.findUniqueOrThrow({ where: { key: "pair:a@b.c|::1" } })).toEqual(attempt);
    const entry = {
      at: now,
      actorType: "user",
      actorId: user.id,
      actorName: "a@b.c",
      action: "service.update",
      targetType: "service",
      target: "s",
      ip: "::1",
      diff: [{ path: "x", before: 1, after: 2 }],
    };
    const entryRow = await db.auditEntry.create({ data: entry });
    expect(await db.auditEntry.findUniqueOrThrow({ where: { id: entryRow.id } })).toEqual({ ...entry, id: entryRow.id });
    // Cascades: a deleted user's sessions go with it.
    await db.user.delete({ where: { id: user.id } });
    expect(await db.session.count()).toBe(0);
  });

  // The runtime role may not even try (least-privilege.test.ts); the trigger holds against the tables' owner too.
  it("refuses to edit or delete audit entries, even with raw SQL as the tables' owner", async () => {
    const owner = createDb(database.migrationUrl, { max: 1 });
    try {
      await owner.auditEntry.create({ data: { actorType: "system", actorName: "bulwark", action: "x", targetType: "t", target: "t", diff: [] } });
      await expect(owner.auditEntry.updateMany({ data: { action: "y" } })).rejects.toThrow(/append-only/);
      await expect(owner.auditEntry.deleteMany()).rejects.toThrow(/append-only/);
      await expect(owner.$executeRawUnsafe("TRUNCATE audit_log")).rejects.toThrow(/append-only/);
      expect(await owner.auditEntry.count({ where: { action: "x" } })).toBe(1);
    } finally {
      await owner.$disconnect();
    }
  });

  it("records every migration in Prisma's table and is a no-op the second time", async () => {
    expect((await migrate(database.migrationUrl, { runtimeRole: database.runtimeRole ?? undefined })).applied).toEqual([]);
    const client = new pg.Client({ connectionString: database.migrationUrl });
    await client.connect();
    const rows = await client.query(`SELECT migration_name FROM _prisma_migrations ORDER BY migration_name`);
    await client.end();
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => !f.endsWith(".toml"))
      .sort();
    expect(rows.rows.map((r) => r.migration_name)).toEqual(files);
  });
});
