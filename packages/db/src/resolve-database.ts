import { createServer } from "node:net";
import { resolve } from "node:path";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "./embedded-postgres";
import { migrate } from "./migrate";
import { checkRuntimeRole } from "./runtime-role";

export interface ResolvedDatabase {
  /** What the console and the workers connect with: the runtime role, or DATABASE_URL's one role. */
  url: string;
  /** What the migrations ran with (the tables' owner); the same as url when one role does everything. */
  migrationUrl: string;
  /** Present when Bulwark started its own PostgreSQL. */
  embedded: EmbeddedPostgresHandle | null;
  /** Why the runtime connection has more rights than it needs (one external role that is, say, a superuser). */
  warnings: string[];
  stop(): Promise<void>;
}

export interface ResolveDatabaseOptions {
  dataDir: string;
  /** An external PostgreSQL, connected to as the runtime role (DATABASE_URL). */
  databaseUrl?: string;
  /** The same database as the owner of Bulwark's tables, for the migrations (DATABASE_MIGRATION_URL). */
  migrationUrl?: string;
  port?: number;
  onLog?: (l: string) => void;
}

/** Finds a TCP port that is free on 127.0.0.1 right now. */
export function getFreePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const server = createServer();
    server.once("error", () => ok(false));
    server.listen(port, "127.0.0.1", () => server.close(() => ok(true)));
  });
}

/**
 * DATABASE_URL when given; otherwise an embedded PostgreSQL kept in `<dataDir>/postgres` (passwords in
 * `<dataDir>/secrets`). Either way the migrations are applied, by the owner role, before this returns, and the
 * runtime role is granted what the application needs on every table.
 *
 * External, with DATABASE_MIGRATION_URL too: migrates with that one and grants DATABASE_URL's role; refuses to
 * start when that role could do more than read and write rows (a superuser, a table owner...), since the two
 * URLs are asked for exactly to rule that out. With DATABASE_URL alone, one role migrates and runs, as before;
 * what it could do beyond that comes back as warnings.
 */
export async function resolveDatabase(options: ResolveDatabaseOptions): Promise<ResolvedDatabase> {
  if (options.migrationUrl && !options.databaseUrl) {
    throw new Error("DATABASE_MIGRATION_URL is set without DATABASE_URL: set DATABASE_URL to the runtime role's connection too");
  }
  if (options.databaseUrl) {
    const url = options.databaseUrl;
    if (!options.migrationUrl) {
      await migrate(url);
      const single = await checkRuntimeRole(url);
      const warnings = single.problems.length
        ? [`DATABASE_URL's role ${single.role} ${single.problems.join("; ")}. Set DATABASE_MIGRATION_URL to the owner and DATABASE_URL to a least-privilege role (see README, Database)`]
        : [];
      return { url, migrationUrl: url, embedded: null, warnings, stop: async () => {} };
    }
    // Refused before migrating, so a misconfigured start changes nothing.
    const runtime = await checkRuntimeRole(url);
    if (runtime.problems.length) throw leastPrivilegeError(runtime.role, runtime.problems);
    const { owner } = await migrate(options.migrationUrl, { runtimeRole: runtime.role });
    if (owner === runtime.role) {
      return {
        url,
        migrationUrl: options.migrationUrl,
        embedded: null,
        warnings: [`DATABASE_URL and DATABASE_MIGRATION_URL are the same role (${owner}): the application runs as the tables' owner`],
        stop: async () => {},
      };
    }
    const after = await checkRuntimeRole(url);
    const problems = [...after.problems, ...(after.canCreateInSchema ? ["can still create objects in the schema or the database (the migration role owns neither, so could not revoke that)"] : [])];
    if (problems.length) throw leastPrivilegeError(after.role, problems);
    return { url, migrationUrl: options.migrationUrl, embedded: null, warnings: [], stop: async () => {} };
  }
  const preferred = options.port ?? 54329;
  const port = (await isPortFree(preferred)) ? preferred : await getFreePort();
  const embedded = await startEmbeddedPostgres({ dataDir: resolve(options.dataDir, "postgres"), secretsDir: resolve(options.dataDir, "secrets"), port, onLog: options.onLog });
  try {
    await migrate(embedded.superuserUrl, { runtimeRole: embedded.appRole });
  } catch (error) {
    await embedded.stop().catch(() => {});
    throw error;
  }
  return { url: embedded.appUrl, migrationUrl: embedded.superuserUrl, embedded, warnings: [], stop: () => embedded.stop() };
}

function leastPrivilegeError(role: string, problems: string[]) {
  return new Error(`DATABASE_URL's role ${role} ${problems.join("; ")}: with DATABASE_MIGRATION_URL set it must be a least-privilege role (see README, Database)`);
}
