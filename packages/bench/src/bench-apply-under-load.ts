import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrismaClient } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { getFreePort, resolveDatabase } from "@bulwark/db/database";
import { REPO_ROOT } from "@bulwark/stack/repo-root";
import { waitForHttp } from "@bulwark/stack/spawn";
import { PrismaPg } from "@prisma/adapter-pg";
import { createDatabase, gatewayEntry, nodeProcess, routesConfig, startGateway, waitForAllWorkers } from "./bench-throughput";
import { percentile } from "./percentiles";

const here = join(REPO_ROOT, "packages/bench/src");

export interface ApplyRound {
  steadyP99Ms: number;
  applyP99Ms: number;
  applyMaxMs: number;
  applyMs: number;
  /** How long publishDraft itself took (the console's side: validating and writing 20,000 routes), part of applyMs. */
  publishMs: number;
  requestsDuringApply: number;
  failed: number;
}

/** Runs the load child and resolves with its samples: [wall-clock start ms, latency ms, status]. */
function runLoad(url: string, seconds: number, connections: number): Promise<[number, number, number][]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(here, "apply-load.ts")], {
      cwd: REPO_ROOT,
      env: { ...process.env, URL: url, SECONDS: String(seconds), CONNECTIONS: String(connections) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as [number, number, number][]) : reject(new Error(`load exited ${code}`))));
  });
}

/**
 * Apply under load: a two-worker gateway serving 10 routes under steady closed-loop load, then a 20,000-route
 * version published; per round, the p99 (and max) of the requests that started between the publish and the
 * moment every worker ran the new version, against the p99 of the steady seconds before it. Then the 10-route
 * version is published back for the next round.
 */
export async function benchApplyUnderLoad(options: { rounds: number; workers: number; connections: number; bigRoutes: number; steadySeconds: number; loadSeconds: number }): Promise<ApplyRound[]> {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-"));
  chmodSync(dir, 0o755);
  const logDir = join(dir, "logs");
  const stops: (() => Promise<void>)[] = [];
  try {
    const upstreamPort = await getFreePort();
    const upstream = nodeProcess("upstream", join(here, "bench-upstream.ts"), { PORT: String(upstreamPort), WORKERS: "1" }, logDir);
    stops.push(() => upstream.stop());
    await waitForHttp(`http://127.0.0.1:${upstreamPort}/`, upstream);
    const server = await resolveDatabase({ dataDir: dir, port: await getFreePort() });
    stops.push(() => server.stop());
    const databaseUrl = await createDatabase(server.migrationUrl, "bench_apply");
    const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 2 }) });
    stops.push(() => db.$disconnect());
    const small = routesConfig(10, upstreamPort);
    const big = routesConfig(options.bigRoutes, upstreamPort);
    const gateway = await startGateway({ db, databaseUrl, dir, logDir, workers: options.workers, entry: gatewayEntry() }, "gateway-apply", small, stops);
    const url = `${gateway.url}/r5/courses`;
    await runLoad(url, 2, options.connections); // warm-up
    const rounds: ApplyRound[] = [];
    for (let round = 0; round < options.rounds; round++) {
      await replaceDraft(db, big); // the draft is written before the load starts; the publish is what is measured
      const load = runLoad(url, options.loadSeconds, options.connections);
      const loadStarted = Date.now();
      await new Promise((r) => setTimeout(r, options.steadySeconds * 1000));
      const published = Date.now();
      const { version } = await publishDraft(db, { author: "bench" });
      const publishMs = Date.now() - published;
      await waitForAllWorkers(gateway.adminPort, version, options.workers);
      const applied = Date.now();
      const samples = await load;
      const steady = samples.filter(([t]) => t >= loadStarted + 500 && t < published).map(([, ms]) => ms);
      const during = samples.filter(([t]) => t >= published && t <= applied);
      rounds.push({
        steadyP99Ms: percentile(steady, 99),
        applyP99Ms: percentile(
          during.map(([, ms]) => ms),
          99,
        ),
        applyMaxMs: Math.max(0, ...during.map(([, ms]) => ms)),
        applyMs: applied - published,
        publishMs,
        requestsDuringApply: during.length,
        failed: samples.filter(([, , status]) => status !== 200).length,
      });
      await replaceDraft(db, small);
      const back = await publishDraft(db, { author: "bench" });
      await waitForAllWorkers(gateway.adminPort, back.version, options.workers);
    }
    return rounds;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}
