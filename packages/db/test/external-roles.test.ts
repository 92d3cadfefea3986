import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../src/client";
import { listServices } from "../src/config-store";
import { migrate } from "../src/migrate";
import { randomPassword } from "../src/password-file";
import { resolveDatabase } from "../src/resolve-database";
import { checkRuntimeRole } from "../src/runtime-role";
import { createTestDatabase, type TestDatabase } from "./test-database";

// DATABASE_URL and DATABASE_MIGRATION_URL as an operator sets them up on their own PostgreSQL (README, Database):
// a migration role that owns the database and a runtime role that only logs in. On DATABASE_URL's server when
// the suite has one, otherwise on an embedded one; either way through a superuser connection of the test database.
let host: TestDatabase;
let admin: pg.Client;
const made: { databases: string[]; roles: string[] } = { databases: [], roles: [] };
const tag = randomBytes(4).toString("hex");

beforeAll(async () => {
  host = await createTestDatabase();
  admin = new pg.Client({ connectionString: host.migrationUrl });
  await admin.connect();
});

afterAll(async () => {
  for (const name of made.databases) await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
  for (const name of made.roles) await admin?.query(`DROP ROLE IF EXISTS ${name}`).catch(() => {});
  await admin?.end();
  await host?.close();
});

async function canMakeRoles() {
  const { rows } = await admin.query(`SELECT rolsuper OR rolcreaterole AS can FROM pg_roles WHERE rolname = current_user`);
  return rows[0].can as boolean;
}

/** The README's SQL for external databases, with random passwords. */
async function setUp(name: string) {
  const owner = { role: `bulwark_owner_${tag}_${name}`, password: randomPassword() };
  const app = { role: `bulwark_app_${tag}_${name}`, password: randomPassword() };
  const database = `bulwark_ext_${tag}_${name}`;
  made.roles.push(app.role, owner.role);
  made.databases.unshift(database);
  await admin.query(`CREATE ROLE ${owner.role} LOGIN PASSWORD '${owner.password}'`);
  await admin.query(`CREATE ROLE ${app.role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${app.password}'`);
  await admin.query(`CREATE DATABASE ${database} OWNER ${owner.role}`);
  const at = (role: string, password: string) => {
    const url = new URL(host.migrationUrl);
    url.username = role;
    url.password = password;
    url.pathname = `/${database}`;
    return url.toString();
  };
  const superuser = new URL(host.migrationUrl);
  superuser.pathname = `/${database}`;
  return { ownerUrl: at(owner.role, owner.password), appUrl: at(app.role, app.password), superuserUrl: superuser.toString(), owner, app };
}

describe("an external database with a migration role and a runtime role", () => {
  it("migrates as the owner and runs the application as DATABASE_URL's role, which gets row rights only", async ({ skip }) => {
    if (!(await canMakeRoles())) skip("the test server's role may not create roles");
    const { ownerUrl, appUrl, owner, app } = await setUp("split");
    const database = await resolveDatabase({ dataDir: "", databaseUrl: appUrl, migrationUrl: ownerUrl });
    expect(database).toMatchObject({ url: appUrl, migrationUrl: ownerUrl, embedded: null, warnings: [] });
    const check = await checkRuntimeRole(appUrl);
    expect(check).toEqual({ role: app.role, problems: [], canCreateInSchema: false });
    const client = new pg.Client({ connectionString: appUrl });
    await client.connect();
    try {
      const owners = await client.query(`SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'`);
      expect(owners.rows.map((r) => r.tableowner)).toEqual([owner.role]);
      await expect(client.query(`DROP TRIGGER audit_log_no_update_delete ON audit_log`)).rejects.toThrow(/must be owner/);
      await expect(client.query(`COPY routes FROM PROGRAM 'true'`)).rejects.toThrow(/permission denied|pg_execute_server_program/);
    } finally {
      await client.end();
    }
    const db = createDb(appUrl, { max: 1 });
    try {
      expect(await listServices(db)).toEqual([]);
    } finally {
      await db.$disconnect();
    }
    // A second start re-grants and changes nothing else.
    expect((await resolveDatabase({ dataDir: "", databaseUrl: appUrl, migrationUrl: ownerUrl })).warnings).toEqual([]);
  });

  it("refuses to start, before migrating, when DATABASE_URL is a superuser while DATABASE_MIGRATION_URL is set", async ({ skip }) => {
    if (!(await canMakeRoles())) skip("the test server's role may not create roles");
    const { ownerUrl, superuserUrl } = await setUp("superuser");
    await expect(resolveDatabase({ dataDir: "", databaseUrl: superuserUrl, migrationUrl: ownerUrl })).rejects.toThrow(/is a superuser/);
    const check = new pg.Client({ connectionString: ownerUrl });
    await check.connect();
    const tables = await check.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
    await check.end();
    expect(tables.rows[0].n).toBe(0);
  });

  it("refuses a runtime role that owns the tables because it ran the migrations itself, and starts once REASSIGN OWNED hands them to the migration role", async ({ skip }) => {
    if (!(await canMakeRoles())) skip("the test server's role may not create roles");
    const { ownerUrl, appUrl, superuserUrl, owner, app } = await setUp("owned");
    await admin.query(`GRANT CREATE ON DATABASE bulwark_ext_${tag}_owned TO ${app.role}`);
    const schemaOwner = new pg.Client({ connectionString: ownerUrl });
    await schemaOwner.connect();
    await schemaOwner.query(`GRANT CREATE ON SCHEMA public TO ${app.role}`);
    await schemaOwner.end();
    await migrate(appUrl); // one role for everything, as before the split
    await expect(resolveDatabase({ dataDir: "", databaseUrl: appUrl, migrationUrl: ownerUrl })).rejects.toThrow(/owns tables .*REASSIGN OWNED BY/);
    // The README's way out: hand the tables to the migration role, and the next start takes the rights back.
    const superuser = new pg.Client({ connectionString: superuserUrl });
    await superuser.connect();
    await superuser.query(`REASSIGN OWNED BY ${app.role} TO ${owner.role}`);
    await superuser.end();
    expect((await resolveDatabase({ dataDir: "", databaseUrl: appUrl, migrationUrl: ownerUrl })).warnings).toEqual([]);
    expect(await checkRuntimeRole(appUrl)).toEqual({ role: app.role, problems: [], canCreateInSchema: false });
  });

  it("with DATABASE_URL alone, migrates and runs as that one role and warns that it can do more", async ({ skip }) => {
    if (!(await canMakeRoles())) skip("the test server's role may not create roles");
    const { superuserUrl } = await setUp("single");
    const database = await resolveDatabase({ dataDir: "", databaseUrl: superuserUrl });
    expect(database.url).toBe(superuserUrl);
    expect(database.warnings).toEqual([expect.stringMatching(/is a superuser.*DATABASE_MIGRATION_URL/)]);
  });
});
