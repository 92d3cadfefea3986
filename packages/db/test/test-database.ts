import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../src/embedded-postgres";
import { migrate } from "../src/migrate";
import { getFreePort } from "../src/resolve-database";

export { getFreePort };

export interface TestDatabase {
  url: string;
  /** Set when the test runs its own PostgreSQL, which it can then stop and start (outage tests). */
  server: EmbeddedPostgresHandle | null;
  close(): Promise<void>;
}

/**
 * A freshly migrated, empty database for one test file. With DATABASE_URL set it is a new database on that
 * server (dropped afterwards); otherwise, or with `embedded: true`, a private embedded PostgreSQL on a free port.
 */
export async function createTestDatabase(options: { embedded?: boolean } = {}): Promise<TestDatabase> {
  const external = process.env.DATABASE_URL;
  if (external && !options.embedded) {
    const name = `bulwark_test_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: external });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(external);
    url.pathname = `/${name}`;
    await migrate(url.toString());
    return {
      url: url.toString(),
      server: null,
      close: async () => {
        const c = new pg.Client({ connectionString: external });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "bulwark-pg-"));
  chmodSync(dir, 0o755); // the server runs as the postgres user when we are root
  const server = await startEmbeddedPostgres({ dataDir: join(dir, "data"), port: await getFreePort() });
  await migrate(server.url);
  return {
    url: server.url,
    server,
    close: async () => {
      await server.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
