import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GatewayConfigInput } from "@bulwark/config/schema";
import { createDb } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { getFreePort, resolveDatabase } from "@bulwark/db/database";
import { REPO_ROOT } from "@bulwark/launcher/stack";
import { spawnService, waitForHttp, type ServiceProcess } from "@bulwark/launcher/spawn";
import { runWrk, type LoadResult } from "./run-wrk";
import { startNginx } from "./start-nginx";

export interface ThroughputRow extends LoadResult {
  name: string;
}

const here = join(REPO_ROOT, "packages/bench/src");

function nodeProcess(name: string, script: string, env: Record<string, string>, logDir: string): ServiceProcess {
  return spawnService({ name, command: process.execPath, args: ["--import", "tsx", script], cwd: REPO_ROOT, env: { ...process.env, ...env }, logDir, quiet: true });
}

/** `routes` prefix routes /r0 ... /r{n-1}, all to the bench upstream. */
function routesConfig(n: number, upstreamPort: number): GatewayConfigInput {
  return {
    services: [{ name: "upstream", targets: [{ address: `127.0.0.1:${upstreamPort}` }] }],
    routes: Array.from({ length: n }, (_, i) => ({ name: `r${i}`, path: `/r${i}`, service: "upstream" })),
  };
}

/**
 * Same machine, same run, same upstream: nginx (the reference), bare http-proxy (the library alone) and
 * Bulwark with 10 and with 10,000 routes, each driven by wrk with the same connections and duration.
 */
export async function benchThroughput(options: { seconds: number; connections: number; workers: number }): Promise<ThroughputRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-"));
  chmodSync(dir, 0o755);
  const logDir = join(dir, "logs");
  const stops: (() => Promise<void>)[] = [];
  const rows: ThroughputRow[] = [];
  const load = { seconds: options.seconds, connections: options.connections, threads: 1 };
  try {
    const upstreamPort = await getFreePort();
    const upstream = nodeProcess("upstream", join(here, "bench-upstream.ts"), { PORT: String(upstreamPort), WORKERS: "1" }, logDir);
    stops.push(() => upstream.stop());
    await waitForHttp(`http://127.0.0.1:${upstreamPort}/`, upstream);
    runWrk(`http://127.0.0.1:${upstreamPort}/`, { ...load, seconds: 1 }); // warm-up

    const nginxPort = await getFreePort();
    const nginx = await startNginx({ dir: join(dir, "nginx"), port: nginxPort, upstreamPort, workers: options.workers });
    rows.push({ name: "nginx (reference)", ...runWrk(`http://127.0.0.1:${nginxPort}/r5/courses`, load) });
    await nginx.stop();

    const bareProxyPort = await getFreePort();
    const bare = nodeProcess("bare-http-proxy", join(here, "bare-http-proxy.ts"), { PORT: String(bareProxyPort), UPSTREAM_PORT: String(upstreamPort), WORKERS: String(options.workers) }, logDir);
    await waitForHttp(`http://127.0.0.1:${bareProxyPort}/`, bare);
    runWrk(`http://127.0.0.1:${bareProxyPort}/r5/courses`, { ...load, seconds: 1 });
    rows.push({ name: "bare http-proxy", ...runWrk(`http://127.0.0.1:${bareProxyPort}/r5/courses`, load) });
    await bare.stop();

    const database = await resolveDatabase({ dataDir: dir, port: await getFreePort() });
    stops.push(() => database.stop());
    const db = createDb(database.url, { max: 2 });
    stops.push(() => db.$disconnect());
    const [gatewayPort, adminPort] = [await getFreePort(), await getFreePort()];
    for (const routes of [10, 10_000]) {
      await replaceDraft(db, routesConfig(routes, upstreamPort));
      const { version } = await publishDraft(db, { author: "bench" });
      const gateway = nodeProcess("gateway", join(REPO_ROOT, "packages/proxy/src/main.ts"), {
        DATABASE_URL: database.url,
        GATEWAY_PORT: String(gatewayPort),
        GATEWAY_ADMIN_PORT: String(adminPort),
        GATEWAY_WORKERS: String(options.workers),
        GATEWAY_STATE_DIR: join(dir, `gateway-${routes}`),
        LOG_LEVEL: "warn",
      }, logDir);
      await waitForHttp(`http://127.0.0.1:${adminPort}/readyz`, gateway);
      await waitForAllWorkers(adminPort, version, options.workers);
      const url = `http://127.0.0.1:${gatewayPort}/r${Math.floor(routes / 2)}/courses`;
      runWrk(url, { ...load, seconds: 1 });
      rows.push({ name: `Bulwark, ${routes.toLocaleString("en-US")} routes`, ...runWrk(url, load) });
      await gateway.stop();
    }
    return rows;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitForAllWorkers(adminPort: number, version: number, workers: number) {
  for (let i = 0; i < 300; i++) {
    const status = (await (await fetch(`http://127.0.0.1:${adminPort}/status`)).json()) as { workers?: { version: number | null }[] };
    if ((status.workers ?? []).filter((w) => (w.version ?? 0) >= version).length >= workers) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workers did not reach version ${version}`);
}
