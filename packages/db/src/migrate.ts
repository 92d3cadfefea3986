import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { grantRuntimeAccess, refuseOwnedTables } from "./runtime-role";

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../prisma/migrations");
const LOCK_KEY = 720_451_001;

export interface MigrateResult {
  applied: string[];
  /** The role the migrations ran as (the tables' owner). */
  owner: string;
}

export interface MigrateOptions {
  dir?: string;
  /**
   * The role the console and workers connect as. After the migrations, under the same lock, it is given exactly
   * the runtime grants on every table there now (see grantRuntimeAccess), so a table a new migration adds is
   * covered the first time it exists. Without it (one role for everything) no grants are touched.
   */
  runtimeRole?: string;
}

/**
 * Applies prisma/migrations/<name>/migration.sql in order, each in its own transaction, under an advisory
 * lock so concurrent starters do not race. Records them in Prisma's own _prisma_migrations table and refuses
 * to run when an applied migration's file was edited afterwards. Then (re)grants the runtime role, if any.
 */
export async function migrate(url: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const dir = options.dir ?? MIGRATIONS_DIR;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const applied: string[] = [];
  let owner = "";
  try {
    owner = (await client.query<{ u: string }>("SELECT current_user AS u")).rows[0].u;
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    // Before touching anything: a runtime role that owns the tables would make the grants meaningless.
    if (options.runtimeRole && options.runtimeRole !== owner) await refuseOwnedTables(client, options.runtimeRole);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const done = await client.query<{ migration_name: string; checksum: string }>(`SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`);
    const known = new Map(done.rows.map((r) => [r.migration_name, r.checksum]));
    const names = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "migration.sql")))
      .map((d) => d.name)
      .sort();
    for (const name of names) {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      const checksum = createHash("sha256").update(sql).digest("hex");
      const recorded = known.get(name);
      if (recorded !== undefined) {
        if (recorded !== checksum) {
          throw new Error(`migration ${name} was edited after it was applied (checksum differs); add a new migration instead`);
        }
        continue;
      }
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, now(), 1)`,
          [randomUUID(), checksum, name],
        );
        await client.query("COMMIT");
        applied.push(name);
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${name} failed: ${(error as Error).message}`);
      }
    }
    if (options.runtimeRole && options.runtimeRole !== owner) {
      await client.query("BEGIN");
      try {
        await grantRuntimeAccess(client, options.runtimeRole);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`granting the runtime role ${options.runtimeRole} failed: ${(error as Error).message}`);
      }
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    await client.end();
  }
  return { applied, owner };
}
