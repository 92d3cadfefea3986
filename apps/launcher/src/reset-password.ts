import { join } from "node:path";
import { SYSTEM_ACTOR } from "@bulwark/db/audit";
import { createDb } from "@bulwark/db/client";
import { resolveDatabase } from "@bulwark/db/database";
import { resetPassword } from "@bulwark/db/users";
import { REPO_ROOT } from "@bulwark/stack/repo-root";

// `npm run reset-password -- [email]`: the way back in when no admin can sign in. Works on DATABASE_URL, or on the
// embedded PostgreSQL in BULWARK_DATA_DIR (stop `npm start` first: the embedded database has one owner at a time).
const email = process.argv[2] ?? "admin@bulwark.local";
const env = process.env;
let database: Awaited<ReturnType<typeof resolveDatabase>>;
try {
  database = await resolveDatabase({ dataDir: env.BULWARK_DATA_DIR ?? join(REPO_ROOT, ".data"), databaseUrl: env.DATABASE_URL || undefined, migrationUrl: env.DATABASE_MIGRATION_URL || undefined });
} catch (error) {
  console.error(`Could not open the database (${(error as Error).message}). If Bulwark is running on its embedded PostgreSQL, stop it first.`);
  process.exit(1);
}
const db = createDb(database.url, { max: 1 });
try {
  const password = await resetPassword(db, email, { actor: SYSTEM_ACTOR, ip: null });
  console.log(`New password for ${email} (an admin again; shown this once; its old sessions are ended):\n  ${password}`);
} catch (error) {
  console.error(`Could not reset the password: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.$disconnect();
  await database.stop();
}
