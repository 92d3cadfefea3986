import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb } from "@bulwark/db/client";
import { publishDraft, replaceDraft, updateRoute, getRoute } from "@bulwark/db/config-store";
import { getFreePort, resolveDatabase } from "@bulwark/db/database";
import { demoSeedConfig } from "@bulwark/demo/seed";
import { startDemoPlatform } from "@bulwark/demo/platform";
import { REPO_ROOT } from "@bulwark/stack/repo-root";
import { spawnService, waitForHttp } from "@bulwark/stack/spawn";
import { percentile } from "./percentiles";

interface WorkerStatus {
  version: number | null;
  appliedAt?: string | number | null;
}

export interface PublishLatencyResult {
  publishes: number;
  workers: number;
  p50: number;
  p99: number;
  max: number;
  requests: number;
  failedRequests: number;
}

/**
 * Publish-to-applied latency: time from calling publish until every worker of a 2-worker gateway reports the
 * new version in its status, measured over many publishes while traffic flows through the gateway.
 */
export async function benchPublishLatency(options: { publishes: number; workers: number }): Promise<PublishLatencyResult> {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-"));
  chmodSync(dir, 0o755);
  const database = await resolveDatabase({ dataDir: dir, port: await getFreePort() });
  const demo = await startDemoPlatform({ basePort: 0 });
  const db = createDb(database.url, { max: 2 });
  const [port, adminPort] = [await getFreePort(), await getFreePort()];
  const gateway = spawnService({
    name: "gateway",
    command: process.execPath,
    args: ["--import", "tsx", join(REPO_ROOT, "packages/proxy/src/main.ts")],
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      GATEWAY_PORT: String(port),
      GATEWAY_ADMIN_PORT: String(adminPort),
      GATEWAY_WORKERS: String(options.workers),
      GATEWAY_STATE_DIR: join(dir, "gateway"),
      LOG_LEVEL: "warn",
    },
    logDir: join(dir, "logs"),
    quiet: true,
  });
  let trafficOn = true;
  let requests = 0;
  let failedRequests = 0;
  try {
    await replaceDraft(db, demoSeedConfig(demo.instances));
    await publishDraft(db, { author: "bench" });
    await waitForHttp(`http://127.0.0.1:${adminPort}/readyz`, gateway);

    const traffic = Array.from({ length: 4 }, async () => {
      while (trafficOn) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/catalog/courses`);
          await res.arrayBuffer();
          requests++;
          if (res.status !== 200) failedRequests++;
        } catch {
          requests++;
          failedRequests++;
        }
      }
    });

    const latencies: number[] = [];
    const route = await getRoute(db, "catalog");
    for (let i = 0; i < options.publishes; i++) {
      await updateRoute(db, "catalog", { ...route, timeouts: { ...route.timeouts, totalMs: 60_000 + i + 1 } });
      const started = Date.now();
      const { version } = await publishDraft(db, { author: "bench" });
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${adminPort}/status`);
        const status = (await res.json()) as { workers: WorkerStatus[] };
        const live = status.workers ?? [];
        if (live.length >= options.workers && live.every((w) => (w.version ?? 0) >= version)) {
          const applied = live.map((w) => (w.appliedAt ? new Date(w.appliedAt).getTime() : Date.now()));
          latencies.push(Math.max(...applied) - started);
          break;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    trafficOn = false;
    await Promise.all(traffic);
    return {
      publishes: latencies.length,
      workers: options.workers,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: Math.max(...latencies),
      requests,
      failedRequests,
    };
  } finally {
    trafficOn = false;
    await gateway.stop();
    await db.$disconnect();
    await demo.stop();
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
