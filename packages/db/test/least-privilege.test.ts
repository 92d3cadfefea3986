import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/migrate";
import { checkRuntimeRole } from "../src/runtime-role";
import { createTestDatabase, type TestDatabase } from "./test-database";

// Runs on whichever server the suite uses: the embedded one's bulwark_app, or a role made for this database on
// DATABASE_URL's server. Either way it is the role the console and the workers get.
let database: TestDatabase;
let app: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  app = new pg.Client({ connectionString: database.url });
  await app.connect();
});

afterAll(async () => {
  await app?.end();
  await database?.close();
});

const refusal = /permission denied|must be owner|must be superuser|pg_execute_server_program/;
const needsRuntimeRole = (skip: (note?: string) => void) => {
  if (!database.runtimeRole) skip("DATABASE_URL may not create roles: this run has no separate runtime role");
};

async function auditRow(client: pg.Client, action: string) {
  await client.query(`INSERT INTO audit_log (actor_type, actor_name, action, target_type, target, diff) VALUES ('system', 'bulwark', $1, 't', 't', '[]')`, [action]);
}

describe("the runtime role", () => {
  it("is no superuser, creates no roles or databases, and is in none of the server-access roles", async ({ skip }) => {
    needsRuntimeRole(skip);
    const check = await checkRuntimeRole(database.url);
    expect(check.role).toBe(database.runtimeRole);
    expect(check.problems).toEqual([]);
    expect(check.canCreateInSchema).toBe(false);
    const { rows } = await app.query(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`);
    expect(rows[0].rolsuper).toBe(false);
  });

  it("cannot run a shell command with COPY ... FROM PROGRAM, even into a table it may write", async ({ skip }) => {
    needsRuntimeRole(skip);
    const marker = join(tmpdir(), `bulwark-copy-program-${process.pid}-${Date.now()}`);
    await expect(app.query(`COPY traffic_rollups FROM PROGRAM 'touch ${marker}'`)).rejects.toThrow(refusal);
    await expect(app.query(`COPY (SELECT 1) TO PROGRAM 'touch ${marker}'`)).rejects.toThrow(refusal);
    await expect(app.query(`SELECT pg_read_file('/etc/passwd')`)).rejects.toThrow(refusal);
    expect(existsSync(marker)).toBe(false);
  });

  it("cannot drop or disable the audit log's append-only trigger, nor drop or truncate the table", async ({ skip }) => {
    needsRuntimeRole(skip);
    await expect(app.query(`DROP TRIGGER audit_log_no_update_delete ON audit_log`)).rejects.toThrow(refusal);
    await expect(app.query(`ALTER TABLE audit_log DISABLE TRIGGER ALL`)).rejects.toThrow(refusal);
    await expect(app.query(`DROP FUNCTION audit_log_append_only() CASCADE`)).rejects.toThrow(refusal);
    await expect(app.query(`TRUNCATE audit_log`)).rejects.toThrow(refusal);
    await expect(app.query(`DROP TABLE audit_log`)).rejects.toThrow(refusal);
    const triggers = await app.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass AND tgenabled <> 'D' ORDER BY tgname`);
    expect(triggers.rows.map((r) => r.tgname)).toEqual(["audit_log_no_truncate", "audit_log_no_update_delete"]);
  });

  it("appends and reads audit entries but is refused UPDATE and DELETE on them by its grants", async ({ skip }) => {
    needsRuntimeRole(skip);
    await auditRow(app, "least-privilege.append");
    await expect(app.query(`UPDATE audit_log SET action = 'rewritten' WHERE action = 'least-privilege.append'`)).rejects.toThrow(/permission denied/);
    await expect(app.query(`DELETE FROM audit_log WHERE action = 'least-privilege.append'`)).rejects.toThrow(/permission denied/);
    expect((await app.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'least-privilege.append'`)).rows[0].n).toBe(1);
  });

  it("creates nothing: no tables, functions or schemas, and no edits of the migrator's records", async ({ skip }) => {
    needsRuntimeRole(skip);
    await expect(app.query(`CREATE TABLE public.intruder (x int)`)).rejects.toThrow(refusal);
    await expect(app.query(`CREATE FUNCTION public.intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'`)).rejects.toThrow(refusal);
    await expect(app.query(`CREATE SCHEMA intruder`)).rejects.toThrow(refusal);
    await expect(app.query(`ALTER TABLE routes ADD COLUMN intruder int`)).rejects.toThrow(refusal);
    await expect(app.query(`SELECT * FROM _prisma_migrations`)).rejects.toThrow(/permission denied/);
  });

  it("reads, writes and deletes the rows of the other tables, including retention deletes", async ({ skip }) => {
    needsRuntimeRole(skip);
    await app.query(`INSERT INTO traffic_rollups (resolution, bucket, route, service, requests, errors, fallbacks, shed, rate_limited, rejected, latency)
      VALUES (60, now() - interval '3 days', 'r', 's', 1, 0, 0, 0, 0, 0, '{}')`);
    expect((await app.query(`UPDATE traffic_rollups SET requests = 2 WHERE route = 'r'`)).rowCount).toBe(1);
    expect((await app.query(`DELETE FROM traffic_rollups WHERE bucket < now() - interval '1 day'`)).rowCount).toBe(1);
    const alert = await app.query(`INSERT INTO slo_alert_events (slo_name, state, previous, burn_rates) VALUES ('s', 'page', 'ok', '{}') RETURNING id`);
    expect(Number(alert.rows[0].id)).toBeGreaterThan(0); // sequences are usable
  });

  it("is granted a table a later migration adds, with the same rights, the first time the migrator runs it", async ({ skip }) => {
    needsRuntimeRole(skip);
    const dir = mkdtempSync(join(tmpdir(), "bulwark-migrations-"));
    try {
      mkdirSync(join(dir, "29990101000000_later_table"));
      writeFileSync(join(dir, "29990101000000_later_table", "migration.sql"), `CREATE TABLE "later_things" ("id" BIGSERIAL PRIMARY KEY, "name" TEXT NOT NULL);`);
      const result = await migrate(database.migrationUrl, { dir, runtimeRole: database.runtimeRole! });
      expect(result.applied).toEqual(["29990101000000_later_table"]);
      await app.query(`INSERT INTO later_things (name) VALUES ('a')`);
      expect((await app.query(`UPDATE later_things SET name = 'b'`)).rowCount).toBe(1);
      expect((await app.query(`DELETE FROM later_things`)).rowCount).toBe(1);
      await expect(app.query(`DROP TABLE later_things`)).rejects.toThrow(refusal);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
