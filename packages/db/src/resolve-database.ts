import { createServer } from "node:net";
import { resolve } from "node:path";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "./embedded-postgres";
import { migrate } from "./migrate";

export interface ResolvedDatabase {
  url: string;
  /** Present when Bulwark started its own PostgreSQL. */
  embedded: EmbeddedPostgresHandle | null;
  stop(): Promise<void>;
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
 * DATABASE_URL when given; otherwise an embedded PostgreSQL kept in `<dataDir>/postgres`. Either way the
 * migrations are applied before this returns.
 */
export async function resolveDatabase(options: { dataDir: string; databaseUrl?: string; port?: number; onLog?: (l: string) => void }): Promise<ResolvedDatabase> {
  if (options.databaseUrl) {
    await migrate(options.databaseUrl);
    return { url: options.databaseUrl, embedded: null, stop: async () => {} };
  }
  const preferred = options.port ?? 54329;
  const port = (await isPortFree(preferred)) ? preferred : await getFreePort();
  const embedded = await startEmbeddedPostgres({ dataDir: resolve(options.dataDir, "postgres"), port, onLog: options.onLog });
  await migrate(embedded.url);
  return { url: embedded.url, embedded, stop: () => embedded.stop() };
}
