import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureFirstAdmin } from "@bulwark/db/auth";
import { SYSTEM_ACTOR } from "@bulwark/db/audit";
import { createDb } from "@bulwark/db/client";
import { getLatestVersionNumber, listRoutes, listServices, publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { resolveDatabase } from "@bulwark/db/database";
import { demoSeedConfig } from "@bulwark/demo/seed";
import { startDemoPlatform, type DemoPlatform } from "@bulwark/demo/platform";
import { REPO_ROOT } from "./repo-root";
import { spawnService, waitForHttp, type ServiceProcess } from "./spawn-service";
import { superviseService } from "./supervise-service";

export interface StackOptions {
  /** Holds the embedded PostgreSQL, the gateway's last-known-good file and the logs. */
  dataDir: string;
  /** An external PostgreSQL, as the runtime role; without it an embedded one is started in dataDir. */
  databaseUrl?: string;
  /** The same external database as the owner of Bulwark's tables, for the migrations only. */
  databaseMigrationUrl?: string;
  consolePort: number;
  consoleHost?: string;
  gatewayPort: number;
  adminPort: number;
  workers?: number;
  /** Start the demo learning platform and seed it on first run. */
  demo?: boolean;
  demoBasePort?: number;
  /** Keep child output out of this terminal (it still goes to dataDir/logs). */
  quiet?: boolean;
  onStep?: (message: string) => void;
}

export interface Stack {
  consoleUrl: string;
  gatewayUrl: string;
  adminUrl: string;
  databaseUrl: string;
  embeddedDatabase: boolean;
  demo: DemoPlatform | null;
  seeded: boolean;
  /** Set only on the start that made the first admin: the one time its password is known. */
  firstAdmin: { email: string; password: string } | null;
  stop(): Promise<void>;
}

/**
 * Starts all of Bulwark on one machine: database (embedded unless databaseUrl), migrations, the demo
 * platform (seeded once, on first run only), the gateway cluster and the console, each waited for.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const step = options.onStep ?? (() => {});
  const dataDir = resolve(options.dataDir);
  const logDir = join(dataDir, "logs");
  const quiet = options.quiet ?? false;
  const started: { stop(): Promise<void>; down?(): void }[] = [];
  const stopAll = async () => {
    for (const part of started) part.down?.();
    for (const part of started.reverse()) await part.stop().catch(() => {});
  };
  try {
    step(options.databaseUrl ? `Migrating the database at ${options.databaseMigrationUrl ? "DATABASE_MIGRATION_URL" : "DATABASE_URL"}` : "Starting embedded PostgreSQL");
    const database = await resolveDatabase({ dataDir, databaseUrl: options.databaseUrl, migrationUrl: options.databaseMigrationUrl });
    started.push(database);
    for (const warning of database.warnings) step(`Warning: ${warning}`);

    // No default credentials: a database without users gets an admin with a random password, told once.
    const accessDb = createDb(database.url, { max: 1 });
    const firstAdmin = await ensureFirstAdmin(accessDb).finally(() => accessDb.$disconnect());

    let demo: DemoPlatform | null = null;
    let seeded = false;
    if (options.demo) {
      step("Starting the demo learning platform");
      demo = await startDemoPlatform({ basePort: options.demoBasePort ?? 4001 });
      started.push(demo);
      const db = createDb(database.url, { max: 2 });
      try {
        seeded = await seedOnce(db, demo);
      } finally {
        await db.$disconnect();
      }
    }

    // Children get the runtime role's URL only: the owner's connection stays with the launcher.
    // Console and gateway both know every listener, so both refuse a target, JWKS URL or webhook aimed at one (outbound-policy.ts).
    const nodeEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      GATEWAY_PORT: String(options.gatewayPort),
      GATEWAY_ADMIN_PORT: String(options.adminPort),
      CONSOLE_PORT: String(options.consolePort),
      CONSOLE_HOST: options.consoleHost ?? "127.0.0.1",
    };
    delete nodeEnv.DATABASE_MIGRATION_URL;
    step("Starting the gateway workers");
    // Supervised: a gateway or console that dies once up (a crash, a SIGKILL, the OOM killer) is started again, with back-off.
    const gateway = superviseService(
      () =>
        spawnService({
          name: "gateway",
          command: process.execPath,
          // The gateway's build (packages/proxy/dist, made by `npm run build`): plain JavaScript, no loader per worker.
          args: [join(REPO_ROOT, "packages/proxy/dist/main.js")],
          cwd: REPO_ROOT,
          env: {
            ...nodeEnv,
            GATEWAY_PORT: String(options.gatewayPort),
            GATEWAY_ADMIN_PORT: String(options.adminPort),
            GATEWAY_STATE_DIR: join(dataDir, "gateway"),
            ...(options.workers ? { GATEWAY_WORKERS: String(options.workers) } : {}),
          },
          logDir,
          quiet,
        }),
      { log: step },
    );
    started.push(gateway);

    step("Starting the console");
    const consoleApp = superviseService(() => startConsole(options, nodeEnv, logDir, quiet), { log: step });
    started.push(consoleApp);

    // With a published version, wait until workers serve it; before the first publish, until the gateway is up.
    const versionDb = createDb(database.url, { max: 1 });
    const published = await getLatestVersionNumber(versionDb).finally(() => versionDb.$disconnect());
    await waitForHttp(`http://127.0.0.1:${options.adminPort}/${published > 0 ? "readyz" : "healthz"}`, gateway.current());
    // The sign-in page is the one page open without a session.
    await waitForHttp(`http://127.0.0.1:${options.consolePort}/sign-in`, consoleApp.current());
    gateway.up();
    consoleApp.up();
    return {
      consoleUrl: `http://localhost:${options.consolePort}`,
      gatewayUrl: `http://localhost:${options.gatewayPort}`,
      adminUrl: `http://localhost:${options.adminPort}`,
      databaseUrl: database.url,
      embeddedDatabase: database.embedded !== null,
      demo,
      seeded,
      firstAdmin,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function startConsole(options: StackOptions, env: NodeJS.ProcessEnv, logDir: string, quiet: boolean): ServiceProcess {
  const consoleDir = join(REPO_ROOT, "apps/console");
  if (!existsSync(join(consoleDir, ".next/BUILD_ID"))) {
    throw new Error("the console has no production build: run `npm run build` (npm start does it for you)");
  }
  return spawnService({
    name: "console",
    command: process.execPath,
    // Next behind the console's own server, which decides what forwarded headers to believe (CONSOLE_TRUSTED_PROXIES).
    args: ["--import", "tsx", join(consoleDir, "server.ts")],
    cwd: consoleDir,
    // Password hashes (2 bounded slots) and PostgreSQL's SCRAM share libuv's pool: more threads than its default 4.
    env: { UV_THREADPOOL_SIZE: "8", ...env, NODE_ENV: "production", CONSOLE_PORT: String(options.consolePort), CONSOLE_HOST: options.consoleHost ?? "127.0.0.1" },
    logDir,
    quiet,
  });
}

/** Seeds the demo services and routes, and publishes them, only into a database that has never had a config. */
async function seedOnce(db: ReturnType<typeof createDb>, demo: DemoPlatform): Promise<boolean> {
  const [version, services, routes] = await Promise.all([getLatestVersionNumber(db), listServices(db), listRoutes(db)]);
  if (version > 0 || services.length > 0 || routes.length > 0) return false;
  const audit = { actor: { ...SYSTEM_ACTOR, name: "demo-seed" }, ip: null };
  await replaceDraft(db, demoSeedConfig(demo.instances), audit);
  await publishDraft(db, { author: "demo-seed", message: "Demo learning platform: catalog, enrollment, assessments, live classes" }, audit);
  return true;
}
