import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GatewayConfigInput } from "@bulwark/config/schema";
import { PrismaClient, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { getFreePort, resolveDatabase } from "@bulwark/db/database";
import { REPO_ROOT } from "@bulwark/launcher/stack";
import { spawnService, waitForHttp, type ServiceProcess } from "@bulwark/launcher/spawn";
import { PrismaPg } from "@prisma/adapter-pg";
import type { LoadResult, RunLoad } from "./run-wrk";
import { startNginx } from "./start-nginx";

export type RowKind = "nginx" | "bare" | "routes" | "policies";

export interface ThroughputRow extends LoadResult {
  name: string;
  kind: RowKind;
  routes?: number;
}

const here = join(REPO_ROOT, "packages/bench/src");

/** The policy row's route count: a mid-sized gateway. */
export const POLICY_ROUTES = 1_000;

function nodeProcess(name: string, script: string, env: Record<string, string>, logDir: string): ServiceProcess {
  // Without REDIS_URL the rate limit is each worker's own token bucket: the row measures the gateway, not Redis.
  const { REDIS_URL: _redis, ...base } = process.env;
  return spawnService({ name, command: process.execPath, args: ["--import", "tsx", script], cwd: REPO_ROOT, env: { ...base, ...env }, logDir, quiet: true });
}

/** `routes` prefix routes /r0 ... /r{n-1}, all to the bench upstream. */
function routesConfig(n: number, upstreamPort: number): GatewayConfigInput {
  return {
    services: [{ name: "upstream", targets: [{ address: `127.0.0.1:${upstreamPort}` }] }],
    routes: Array.from({ length: n }, (_, i) => ({ name: `r${i}`, path: `/r${i}`, service: "upstream" })),
  };
}

/**
 * The same routes with every policy a production route would carry: each route has a rate limit far above the
 * load (so it never answers 429), a fallback and the default retries; the service has a circuit breaker with
 * default settings, an active health check and outlier detection.
 */
function policiesConfig(n: number, upstreamPort: number): GatewayConfigInput {
  return {
    services: [
      {
        name: "upstream",
        targets: [{ address: `127.0.0.1:${upstreamPort}` }],
        circuitBreaker: {},
        healthCheck: { path: "/", intervalMs: 1_000, timeoutMs: 500 },
        outlierDetection: {},
      },
    ],
    routes: Array.from({ length: n }, (_, i) => ({
      name: `r${i}`,
      path: `/r${i}`,
      service: "upstream",
      rateLimit: { requests: 10_000_000, windowMs: 1_000 },
      fallback: {},
      // retries: left to the default (one retry on connection failures for idempotent methods).
    })),
  };
}

/**
 * Same machine, same run, same upstream: nginx (the reference, when installed), bare http-proxy (the library
 * alone), Bulwark with 10 and with 10,000 plain routes, and Bulwark with 1,000 routes and the policy set on,
 * each driven by the same load generator with the same connections and duration.
 */
export async function benchThroughput(options: { seconds: number; connections: number; workers: number; runLoad: RunLoad; nginx: boolean }): Promise<ThroughputRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-"));
  chmodSync(dir, 0o755);
  const logDir = join(dir, "logs");
  const stops: (() => Promise<void>)[] = [];
  const rows: ThroughputRow[] = [];
  const load = { seconds: options.seconds, connections: options.connections, threads: 1 };
  const measure = (url: string) => {
    options.runLoad(url, { ...load, seconds: 1 }); // warm-up: JIT, keep-alive pools
    return options.runLoad(url, load);
  };
  try {
    const upstreamPort = await getFreePort();
    const upstream = nodeProcess("upstream", join(here, "bench-upstream.ts"), { PORT: String(upstreamPort), WORKERS: "1" }, logDir);
    stops.push(() => upstream.stop());
    await waitForHttp(`http://127.0.0.1:${upstreamPort}/`, upstream);
    options.runLoad(`http://127.0.0.1:${upstreamPort}/`, { ...load, seconds: 1 }); // warm-up

    if (options.nginx) {
      const nginxPort = await getFreePort();
      const nginx = await startNginx({ dir: join(dir, "nginx"), port: nginxPort, upstreamPort, workers: options.workers });
      rows.push({ name: "nginx (reference)", kind: "nginx", ...measure(`http://127.0.0.1:${nginxPort}/r5/courses`) });
      await nginx.stop();
    }

    const bareProxyPort = await getFreePort();
    const bare = nodeProcess("bare-http-proxy", join(here, "bare-http-proxy.ts"), { PORT: String(bareProxyPort), UPSTREAM_PORT: String(upstreamPort), WORKERS: String(options.workers) }, logDir);
    await waitForHttp(`http://127.0.0.1:${bareProxyPort}/`, bare);
    rows.push({ name: "bare http-proxy", kind: "bare", ...measure(`http://127.0.0.1:${bareProxyPort}/r5/courses`) });
    await bare.stop();

    const database = await resolveDatabase({ dataDir: dir, port: await getFreePort() });
    stops.push(() => database.stop());
    // Storing 10,000 routes writes about 4.5 MB of JSON in one transaction, which can outlast Prisma's default 5 s
    // on a busy 2-core machine: setup, not what is measured, so it gets more time.
    const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url, max: 2 }), transactionOptions: { timeout: 120_000, maxWait: 10_000 } });
    stops.push(() => db.$disconnect());
    const gateway = { db, databaseUrl: database.url, dir, logDir, workers: options.workers };
    for (const routes of [10, 10_000]) {
      const url = await startGateway(gateway, `gateway-${routes}`, routesConfig(routes, upstreamPort), stops);
      rows.push({ name: `Bulwark, ${routes.toLocaleString("en-US")} routes`, kind: "routes", routes, ...measure(`${url}/r${Math.floor(routes / 2)}/courses`) });
      await stops.pop()!();
    }
    const url = await startGateway(gateway, "gateway-policies", policiesConfig(POLICY_ROUTES, upstreamPort), stops);
    rows.push({ name: `Bulwark, ${POLICY_ROUTES.toLocaleString("en-US")} routes, policies`, kind: "policies", routes: POLICY_ROUTES, ...measure(`${url}/r${POLICY_ROUTES / 2}/courses`) });
    await stops.pop()!();
    return rows;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Publishes config, starts a gateway on it and waits until every worker runs it; pushes its stop onto stops. */
async function startGateway(
  ctx: { db: Db; databaseUrl: string; dir: string; logDir: string; workers: number },
  name: string,
  config: GatewayConfigInput,
  stops: (() => Promise<void>)[],
): Promise<string> {
  await replaceDraft(ctx.db, config);
  const { version } = await publishDraft(ctx.db, { author: "bench" });
  const [port, adminPort] = [await getFreePort(), await getFreePort()];
  const gateway = nodeProcess(name, join(REPO_ROOT, "packages/proxy/src/main.ts"), {
    DATABASE_URL: ctx.databaseUrl,
    GATEWAY_PORT: String(port),
    GATEWAY_ADMIN_PORT: String(adminPort),
    GATEWAY_WORKERS: String(ctx.workers),
    GATEWAY_STATE_DIR: join(ctx.dir, name),
    LOG_LEVEL: "warn",
  }, ctx.logDir);
  stops.push(() => gateway.stop());
  await waitForHttp(`http://127.0.0.1:${adminPort}/readyz`, gateway);
  await waitForAllWorkers(adminPort, version, ctx.workers);
  return `http://127.0.0.1:${port}`;
}

async function waitForAllWorkers(adminPort: number, version: number, workers: number) {
  for (let i = 0; i < 300; i++) {
    const status = (await (await fetch(`http://127.0.0.1:${adminPort}/status`)).json()) as { workers?: { version: number | null }[] };
    if ((status.workers ?? []).filter((w) => (w.version ?? 0) >= version).length >= workers) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workers did not reach version ${version}`);
}
