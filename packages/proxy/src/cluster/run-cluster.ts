import cluster, { type Worker } from "node:cluster";
import pino from "pino";
import type { GatewayOptions } from "./gateway-options";
import { runWorker, WORKER_ROLE_ENV } from "./run-worker";
import { ActiveHealthChecker } from "../upstream/active-health-checker";
import type { ConnectionsMessage, DrainMessage, FairShareMessage, HealthTargetsMessage, PromoteMessage, WorkerStatusMessage } from "./worker-messages";
import { gatewayRespawnPolicy } from "./respawn-policy";
import { fairShare } from "./connection-share";
import { AggregatorRegistry, Registry } from "prom-client";
import { clusterMetricsText, collected } from "../telemetry/gateway-metrics";
import { startAdmin } from "./admin-server";

/** Node's lenient parser accepts requests that smuggling attacks rely on: never run the gateway with it. */
export function insecureParserEnabled(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  return flags.some((f) => f === "--insecure-http-parser");
}

/**
 * A worker's young generation is capped at 4 MiB semi-spaces (V8 grows them to 16 MiB): a request's garbage
 * dies young and fits either way, but a large config load grew them to the maximum for good, which at 10,000
 * routes was 24 MiB of the worker's memory. Measured with `npm run bench` (docs/benchmarks.md). An operator's
 * own --max-semi-space-size wins.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const own = [...execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].some((f) => f.startsWith("--max-semi-space-size"));
  return own ? [...execArgv] : [...execArgv, "--max-semi-space-size=4"];
}

type WorkerRole = "serving" | "spare";

/**
 * The gateway process: as cluster primary, forks the workers and the warm spares (a dead worker's place is
 * taken by a spare, which listens at once, and a new spare is forked), serves the admin port
 * (/healthz, /readyz, /status aggregated from the workers) and drains everything on SIGTERM. In a worker,
 * runs the worker.
 */
export async function runCluster(options: GatewayOptions): Promise<void> {
  if (insecureParserEnabled()) throw new Error("refusing to start: Node's insecure HTTP parser is enabled (--insecure-http-parser)");
  if (!cluster.isPrimary) return runWorker(options);

  const log = pino({ level: options.logLevel, base: { role: "primary" } });
  // Workers accept from the shared socket themselves: a connection can never be handed to a worker that just
  // died (it would hang); one accepted by a worker that dies is reset by the kernel, so the client knows.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv) });
  const statuses = new Map<number, WorkerStatusMessage>();
  /** Open client connections per worker, as last reported. */
  const connections = new Map<number, number>();
  let lastFair = -1;
  let draining = false;
  const respawn = gatewayRespawnPolicy(options.workers + options.spareWorkers);
  const roles = new Map<number, WorkerRole>();

  const checker = new ActiveHealthChecker((m) => {
    for (const w of Object.values(cluster.workers ?? {})) w?.send(m);
  }, log);
  const fork = (role: WorkerRole) => {
    const worker = cluster.fork({ [WORKER_ROLE_ENV]: role });
    roles.set(worker.id, role);
    worker.on("online", () => {
      for (const m of checker.downTargets()) worker.send(m);
    });
    worker.on("message", (m: WorkerStatusMessage | HealthTargetsMessage | ConnectionsMessage) => {
      if (m?.type === "bulwark:status") statuses.set(worker.id, m);
      else if (m?.type === "bulwark:health-targets") checker.update(m);
      else if (m?.type === "bulwark:connections") {
        connections.set(worker.id, m.open);
        const fair = fairShare(connections.values(), connections.size);
        // The reporter always hears the share back; the others when it changed.
        const to = fair === lastFair ? [worker] : Object.values(cluster.workers ?? {});
        for (const w of to) {
          if (w === undefined || !w.isConnected()) continue;
          const message: FairShareMessage = { type: "bulwark:fair-share", fair, basis: connections.get(w.id) ?? 0 };
          w.send(message);
        }
        lastFair = fair;
      }
    });
  };
  /** A spare to promote: one with its config loaded first, else one still loading (it listens once loaded). */
  const pickSpare = (): Worker | undefined => {
    const spares = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected() && roles.get(w.id) === "spare");
    return spares.find((w) => (statuses.get(w.id)?.version ?? null) !== null) ?? spares[0];
  };
  cluster.on("exit", (worker: Worker, code, signal) => {
    const role = roles.get(worker.id) ?? "serving";
    roles.delete(worker.id);
    statuses.delete(worker.id);
    connections.delete(worker.id);
    if (draining) return;
    let replacement: WorkerRole = role;
    let promoted: number | undefined;
    const spare = role === "serving" ? pickSpare() : undefined;
    if (spare !== undefined) {
      roles.set(spare.id, "serving");
      const message: PromoteMessage = { type: "bulwark:promote" };
      spare.send(message);
      promoted = spare.process.pid;
      replacement = "spare";
    }
    const delayMs = respawn.delayAfterDeath(Date.now());
    const what = promoted !== undefined ? "promoted the warm spare; forking a new spare" : role === "spare" ? "forking a new spare" : "forking a new one";
    log.error(
      { pid: worker.process.pid, role, code, signal, promoted, delayMs },
      delayMs === 0 ? `${role === "spare" ? "spare" : "worker"} died; ${what}` : `workers keep dying; ${what} after a pause`,
    );
    if (delayMs === 0) fork(replacement);
    else
      setTimeout(() => {
        if (!draining) fork(replacement);
      }, delayMs).unref();
  });
  for (let i = 0; i < options.workers; i++) fork("serving");
  for (let i = 0; i < options.spareWorkers; i++) fork("spare");

  const own = new Registry();
  own.registerMetric(
    collected("bulwark_upstream_target_healthy", "Active health check verdict per target: 1 healthy, 0 down.", "gauge", () =>
      checker.status().map((t) => ({ labels: { service: t.service, target: t.address }, value: t.healthy ? 1 : 0 })),
    ) as unknown as Parameters<Registry["registerMetric"]>[0],
  );
  own.registerMetric(
    collected("bulwark_workers_ready", "Workers that are listening on a loaded config.", "gauge", () => [
      { labels: {}, value: [...statuses.values()].filter((w) => w.ready).length },
    ]) as unknown as Parameters<Registry["registerMetric"]>[0],
  );
  const aggregator = new AggregatorRegistry();
  const admin = startAdmin(
    { host: options.adminHost, port: options.adminPort, token: options.adminToken },
    () => {
      const all = [...statuses.entries()];
      const workers = all.filter(([, w]) => !w.spare).map(([id, w]) => ({ ...w, connections: connections.get(id) ?? 0 }));
      const spares = all.filter(([, w]) => w.spare).map(([, w]) => w);
      return { ready: !draining && workers.some((w) => w.ready), draining, workers, spares, targets: checker.status() };
    },
    () => clusterMetricsText(aggregator, own),
  );
  log.info(
    { port: options.port, adminHost: options.adminHost, adminPort: options.adminPort, adminToken: options.adminToken !== null, workers: options.workers, spareWorkers: options.spareWorkers },
    "gateway starting",
  );

  const shutdown = async (signal: string) => {
    if (draining) return;
    draining = true;
    log.info({ signal, delayMs: options.drainDelayMs }, "draining: /readyz is 503, still accepting until the load balancer notices");
    const tell = (stage: DrainMessage["stage"]) => {
      const message: DrainMessage = { type: "bulwark:drain", stage };
      for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send(message);
    };
    // Every answer from now on says Connection: close, so kept-alive clients move off before the listener closes.
    tell("announce");
    // Keep accepting for a moment: connections already on their way (or queued in the kernel) are served, not reset.
    await new Promise((r) => setTimeout(r, options.drainDelayMs));
    tell("stop-accepting");
    const deadline = Date.now() + options.drainMs + 3_000;
    while (Object.keys(cluster.workers ?? {}).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGKILL");
    checker.stop();
    admin.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
