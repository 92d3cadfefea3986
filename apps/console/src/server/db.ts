import "server-only";
import { createDb, type Db } from "@bulwark/db/client";

// One Prisma client per server process; kept on globalThis so dev-mode module reloads reuse the pool.
const holder = globalThis as typeof globalThis & { __bulwarkDb?: Db };

export function getDb(): Db {
  if (!holder.__bulwarkDb) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: the console needs the Bulwark database");
    holder.__bulwarkDb = createDb(url, { max: 10 });
  }
  return holder.__bulwarkDb;
}
