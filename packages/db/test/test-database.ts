import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../src/embedded-postgres";
import { migrate } from "../src/migrate";
import { randomPassword } from "../src/password-file";
import { getFreePort } from "../src/resolve-database";
import { ensureRuntimeRole } from "../src/runtime-role";

export { getFreePort };

export interface TestDatabase {
  /** The runtime role's connection, as the console and the workers get it: the suite runs with least privilege. */
  url: string;
  /** The owner's connection (migrations, and tests that must act as the owner). */
  migrationUrl: string;
  /** The runtime role behind url; null when the external server would not let us make one (url is then the owner's). */
  runtimeRole: string | null;
  /** Set when the test runs its own PostgreSQL, which it can then stop and start (outage tests). */
  server: EmbeddedPostgresHandle | null;
  close(): Promise<void>;
}

/**
 * A freshly migrated, empty database for one test file. With DATABASE_URL set it is a new database on that
 * server (dropped afterwards) with a runtime role of its own when DATABASE_URL may create roles; otherwise, or
 * with `embedded: true`, a private embedded PostgreSQL on a free port, with its bulwark_app role.
 */
export async function createTestDatabase(options: { embedded?: boolean } = {}): Promise<TestDatabase> {
  const external = process.env.DATABASE_URL;
  if (external && !options.embedded) return createExternalTestDatabase(external);
  const dir = mkdtempSync(join(tmpdir(), "bulwark-pg-"));
  chmodSync(dir, 0o755); // the server runs as the postgres user when we are root
  // Throwaway cluster: fsync off for speed. `npm start` (resolveDatabase) keeps it on.
  const server = await startEmbeddedPostgres({ dataDir: join(dir, "data"), port: await getFreePort(), fsync: false });
  await migrate(server.superuserUrl, { runtimeRole: server.appRole });
  return {
    url: server.appUrl,
    migrationUrl: server.superuserUrl,
    runtimeRole: server.appRole,
    server,
    close: async () => {
      await server.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createExternalTestDatabase(external: string): Promise<TestDatabase> {
  const name = `bulwark_test_${randomBytes(6).toString("hex")}`;
  // Roles are per server, not per database: each test database gets its own, dropped with it.
  const role = `${name}_app`;
  const password = randomPassword();
  const admin = new pg.Client({ connectionString: external });
  await admin.connect();
  let runtimeRole: string | null = role;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    await ensureRuntimeRole(admin, role, password).catch((error: { code?: string }) => {
      if (error.code !== "42501") throw error; // no CREATEROLE: run this file as DATABASE_URL's own role
      runtimeRole = null;
    });
  } finally {
    await admin.end();
  }
  const ownerUrl = new URL(external);
  ownerUrl.pathname = `/${name}`;
  await migrate(ownerUrl.toString(), runtimeRole ? { runtimeRole } : {});
  const appUrl = new URL(ownerUrl);
  if (runtimeRole) {
    appUrl.username = runtimeRole;
    appUrl.password = password;
  }
  return {
    url: appUrl.toString(),
    migrationUrl: ownerUrl.toString(),
    runtimeRole,
    server: null,
    close: async () => {
      const c = new pg.Client({ connectionString: external });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      if (runtimeRole) await c.query(`DROP ROLE IF EXISTS ${runtimeRole}`).catch(() => {});
      await c.end();
    },
  };
}
