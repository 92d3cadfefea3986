import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

export type Db = PrismaClient;
export { PrismaClient };
export type { Service as ServiceRow, Route as RouteRow, ConfigVersion as ConfigVersionRow, Worker as WorkerRow } from "./generated/prisma/client";

export interface DbOptions {
  /** Pool size; workers need few connections, the console a few more. */
  max?: number;
  connectionTimeoutMillis?: number;
}

export function createDb(url: string, options: DbOptions = {}): Db {
  const adapter = new PrismaPg({
    connectionString: url,
    max: options.max ?? 5,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 3_000,
    idleTimeoutMillis: 30_000,
  });
  return new PrismaClient({ adapter });
}
