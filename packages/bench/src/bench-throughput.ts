import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GatewayConfigInput } from "@bulwark/config/schema";
import { PrismaClient, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { getFreePort, resolveDatabase } from "@bulwark/db/database";
import { REPO_ROOT } from "@bulwark/stack/repo-root";
import { spawnService, waitForHttp, type ServiceProcess } from "@bulwark/stack/spawn";
import { PrismaPg } from "@prisma/adapter-pg";
import type { LoadResult, RunLoad } from "./run-wrk";
import { treeCpuMicros, treeRssBytes } from "./process-cpu";
import { startNginx } from "./start-nginx";

type RowKind = "nginx" | "bare" | "routes" | "policies";

export interface ThroughputRow extends LoadResult {
  name: string;
  kind: RowKind;
  routes?: number;
  /** Requests per second of every round, in order. */
  rounds: number[];
  /** CPU time the proxy's processes spent per request (median round), microseconds; NaN off Linux. */
  cpuUsPerRequest: number;
  cpuRounds: number[];
  /** Resident memory after the rounds, bytes: the root process, and the largest of its children (a worker); NaN when unknown. */
  rootRssBytes: number;
  workerRssBytes: number;
  /** p99 at `lowConnections` (median round), and the same for the upstream asked directly: what the proxy adds. */
  lowP99Ms: number;
  lowP99Rounds: number[];
  /** Median over rounds of (this p99 - the upstream's direct p99 in the same round). */
  addedP99Ms: number;
}

export interface ThroughputResult {
  rows: ThroughputRow[];
  /** The upstream's own p99 at `lowConnections`, asked directly (median round), and every round. */
  directP99Ms: number;
  directP99Rounds: number[];
  lowConnections: number;
}

const here = join(REPO_ROOT, "packages/bench/src");

/** The policy row's route count: a mid-sized gateway. */
export const POLICY_ROUTES = 1_000;

export function nodeProcess(name: string, script: string, env: Record<string, string>, logDir: string): ServiceProcess {
  // Without REDIS_URL the rate limit is each worker's own token bucket: the row measures the gateway, not Redis.
  const { REDIS_URL: _redis, ...base } = process.env;
  // BENCH_GATEWAY_NODE_ARGS (say "--cpu-prof --cpu-prof-dir=/tmp/prof" or "--trace-gc"): node flags for the gateway
  // processes, which its workers inherit; to see where a figure's time goes.
  const nodeArgs = name.startsWith("gateway") ? (process.env.BENCH_GATEWAY_NODE_ARGS ?? "").split(" ").filter(Boolean) : [];
  const args = [...nodeArgs, ...(script.endsWith(".js") ? [script] : ["--import", "tsx", script])];
  return spawnService({ name, command: process.execPath, args, cwd: REPO_ROOT, env: { ...base, ...env }, logDir, quiet: true });
}

/** The gateway as it runs in production: compiled to JavaScript (packages/proxy/dist), built here so it is current. */
export function gatewayEntry(): string {
  if (process.env.BENCH_GATEWAY === "src") return join(REPO_ROOT, "packages/proxy/src/main.ts");
  execFileSync(process.execPath, [join(REPO_ROOT, "packages/proxy/scripts/build.mjs")], { stdio: "inherit" });
  return join(REPO_ROOT, "packages/proxy/dist/main.js");
}

/** `routes` prefix routes /r0 ... /r{n-1}, all to the bench upstream. */
export function routesConfig(n: number, upstreamPort: number): GatewayConfigInput {
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

/** One proxy under test, kept running for the whole bench so that rounds can alternate between them. */
interface Variant {
  name: string;
  kind: RowKind;
  routes?: number;
  url: string;
  /** The proxy's root process, whose process tree's CPU time is measured. */
  pid: number | undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** The round with the median throughput (its latencies with it); errors of every round added up. */
function medianRun(runs: LoadResult[]): LoadResult {
  const sorted = [...runs].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
  const mid = sorted[Math.floor(sorted.length / 2)];
  return { ...mid, non2xx: runs.reduce((n, r) => n + r.non2xx, 0), errors: runs.reduce((n, r) => n + r.errors, 0) };
}

/**
 * Same machine, same run, same upstream: nginx (the reference, when installed), bare http-proxy (the library
 * alone), Bulwark with 10 and with 10,000 plain routes, and Bulwark with 1,000 routes and the policy set on,
 * each driven by the same load generator with the same connections and duration. Everything is started first and
 * measured in `rounds` interleaved rounds (each variant once per round), and each row is its median round: on a
 * shared two-core machine one run of a variant can be 40% off the next, and interleaving spreads that evenly.
 */
export async function benchThroughput(options: {
  seconds: number;
  connections: number;
  /** The latency pass: few connections, so queueing in the load generator and the proxy does not hide what a request costs. */
  lowConnections: number;
  workers: number;
  rounds: number;
  runLoad: RunLoad;
  nginx: boolean;
}): Promise<ThroughputResult> {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-"));
  chmodSync(dir, 0o755);
  const logDir = join(dir, "logs");
  const stops: (() => Promise<void>)[] = [];
  const load = { seconds: options.seconds, connections: options.connections, threads: 1 };
  const variants: Variant[] = [];
  try {
    const upstreamPort = await getFreePort();
    const upstream = nodeProcess("upstream", join(here, "bench-upstream.ts"), { PORT: String(upstreamPort), WORKERS: "1" }, logDir);
    stops.push(() => upstream.stop());
    await waitForHttp(`http://127.0.0.1:${upstreamPort}/`, upstream);

    if (options.nginx) {
      const nginxPort = await getFreePort();
      const nginx = await startNginx({ dir: join(dir, "nginx"), port: nginxPort, upstreamPort, workers: options.workers });
      stops.push(() => nginx.stop());
      variants.push({ name: "nginx (reference)", kind: "nginx", url: `http://127.0.0.1:${nginxPort}/r5/courses`, pid: nginx.pid });
    }

    const bareProxyPort = await getFreePort();
    const bare = nodeProcess("bare-http-proxy", join(here, "bare-http-proxy.ts"), { PORT: String(bareProxyPort), UPSTREAM_PORT: String(upstreamPort), WORKERS: String(options.workers) }, logDir);
    stops.push(() => bare.stop());
    await waitForHttp(`http://127.0.0.1:${bareProxyPort}/`, bare);
    variants.push({ name: "bare http-proxy", kind: "bare", url: `http://127.0.0.1:${bareProxyPort}/r5/courses`, pid: bare.child.pid });

    // One embedded PostgreSQL with a database per gateway: a publish reaches every gateway on its database.
    const server = await resolveDatabase({ dataDir: dir, port: await getFreePort() });
    stops.push(() => server.stop());
    const entry = gatewayEntry();
    const gateways: { name: string; kind: RowKind; routes: number; config: GatewayConfigInput }[] = [
      { name: "Bulwark, 10 routes", kind: "routes", routes: 10, config: routesConfig(10, upstreamPort) },
      { name: "Bulwark, 10,000 routes", kind: "routes", routes: 10_000, config: routesConfig(10_000, upstreamPort) },
      { name: `Bulwark, ${POLICY_ROUTES.toLocaleString("en-US")} routes, policies`, kind: "policies", routes: POLICY_ROUTES, config: policiesConfig(POLICY_ROUTES, upstreamPort) },
    ];
    for (const [i, g] of gateways.entries()) {
      const databaseUrl = await createDatabase(server.migrationUrl, `bench_${i}`);
      const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 2 }) });
      try {
        const { url, pid } = await startGateway({ db, databaseUrl, dir, logDir, workers: options.workers, entry }, `gateway-${i}`, g.config, stops);
        variants.push({ name: g.name, kind: g.kind, routes: g.routes, url: `${url}/r${Math.floor(g.routes / 2)}/courses`, pid });
      } finally {
        await db.$disconnect();
      }
    }

    for (const v of variants) options.runLoad(v.url, { ...load, seconds: 3 }); // warm-up: JIT, keep-alive pools, connection spread
    const runs = new Map<Variant, LoadResult[]>(variants.map((v) => [v, []]));
    const cpu = new Map<Variant, number[]>(variants.map((v) => [v, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (const v of variants) {
        const before = treeCpuMicros(v.pid);
        const result = options.runLoad(v.url, load);
        cpu.get(v)!.push((treeCpuMicros(v.pid) - before) / (result.requestsPerSec * load.seconds));
        runs.get(v)!.push(result);
      }
    }
    const rss = new Map(variants.map((v) => [v, treeRssBytes(v.pid)]));
    // The latency pass: the upstream asked directly, then each proxy, interleaved as above.
    const low = { ...load, connections: options.lowConnections };
    const direct = { name: "direct", url: `http://127.0.0.1:${upstreamPort}/r5/courses` };
    const lowP99 = new Map<unknown, number[]>([[direct, []], ...variants.map((v) => [v, []] as [unknown, number[]])]);
    for (const v of [direct, ...variants]) options.runLoad(v.url, { ...low, seconds: 2 }); // warm-up at the new connection count
    for (let round = 0; round < options.rounds; round++) {
      for (const v of [direct, ...variants]) lowP99.get(v)!.push(options.runLoad(v.url, low).p99Ms);
    }
    const rows = variants.map((v) => {
      const memory = rss.get(v)!;
      return {
        name: v.name,
        kind: v.kind,
        routes: v.routes,
        ...medianRun(runs.get(v)!),
        rounds: runs.get(v)!.map((r) => r.requestsPerSec),
        cpuUsPerRequest: median(cpu.get(v)!),
        cpuRounds: cpu.get(v)!,
        rootRssBytes: memory[0] ?? NaN,
        workerRssBytes: memory.length > 1 ? Math.max(...memory.slice(1)) : NaN,
        lowP99Ms: median(lowP99.get(v)!),
        lowP99Rounds: lowP99.get(v)!,
        // Per round against that round's direct figure: the upstream's own p99 moves between rounds too.
        addedP99Ms: median(lowP99.get(v)!.map((p, i) => p - lowP99.get(direct)![i])),
      };
    });
    return { rows, directP99Ms: median(lowP99.get(direct)!), directP99Rounds: lowP99.get(direct)!, lowConnections: options.lowConnections };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A new, migrated database on the server at `serverUrl` (the owner's URL: the runtime role cannot create databases). */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new PrismaClient({ adapter: new PrismaPg({ connectionString: serverUrl, max: 1 }) });
  try {
    await admin.$executeRawUnsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.$disconnect();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await resolveDatabase({ dataDir: "", databaseUrl: url.toString() });
  return url.toString();
}

/** Publishes config, starts a gateway on it and waits until every worker runs it; pushes its stop onto stops. */
export async function startGateway(
  ctx: { db: Db; databaseUrl: string; dir: string; logDir: string; workers: number; entry: string },
  name: string,
  config: GatewayConfigInput,
  stops: (() => Promise<void>)[],
): Promise<{ url: string; pid: number | undefined; adminPort: number }> {
  await replaceDraft(ctx.db, config);
  const { version } = await publishDraft(ctx.db, { author: "bench" });
  const [port, adminPort] = [await getFreePort(), await getFreePort()];
  const gateway = nodeProcess(
    name,
    ctx.entry,
    {
      DATABASE_URL: ctx.databaseUrl,
      GATEWAY_PORT: String(port),
      GATEWAY_ADMIN_PORT: String(adminPort),
      GATEWAY_WORKERS: String(ctx.workers),
      GATEWAY_STATE_DIR: join(ctx.dir, name),
      LOG_LEVEL: "warn",
    },
    ctx.logDir,
  );
  stops.push(() => gateway.stop());
  await waitForHttp(`http://127.0.0.1:${adminPort}/readyz`, gateway);
  await waitForAllWorkers(adminPort, version, ctx.workers);
  return { url: `http://127.0.0.1:${port}`, pid: gateway.child.pid, adminPort };
}

export async function waitForAllWorkers(adminPort: number, version: number, workers: number) {
  for (let i = 0; i < 300; i++) {
    const status = (await (await fetch(`http://127.0.0.1:${adminPort}/status`)).json()) as { workers?: { version: number | null }[] };
    if ((status.workers ?? []).filter((w) => (w.version ?? 0) >= version).length >= workers) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workers did not reach version ${version}`);
}
