import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { hostname } from "node:os";
import pino from "pino";
import { createDb } from "@bulwark/db/client";
import { markWorkerStopped, recordHeartbeat } from "@bulwark/db/workers";
import { ConfigWatcher, type WatcherState } from "../config/config-watcher";
import { createHttpProxyForwarder } from "../forward/forward-http-proxy";
import { createNodeHttpForwarder } from "../forward/forward-node-http";
import type { GatewayOptions } from "./gateway-options";
import { answerClientError } from "../pipeline/answer-client-error";
import { createRequestHandler } from "../pipeline/handle-request";
import { ActiveHealth } from "../upstream/target-health";
import { LoadMonitor } from "../policies/load-monitor";
import { createRuntime } from "../pipeline/gateway-runtime";
import { ClusterRateLimiter } from "../policies/cluster-rate-limiter";
import { startWorkerTelemetry } from "../telemetry/worker-telemetry";
import type { ConnectionsMessage, DrainMessage, FairShareMessage, HealthTargetsMessage, HealthVerdictMessage, WorkerStatusMessage } from "./worker-messages";
import { ConnectionShare } from "./connection-share";

/** How often a worker tells the primary its open connections (and so how fast connections are rebalanced). */
const CONNECTIONS_REPORT_MS = 250;

const CURRENT_REQUEST = Symbol("bulwark.currentRequest");
type TrackedSocket = Duplex & { [CURRENT_REQUEST]?: IncomingMessage };

/**
 * One worker process: loads and watches the config, serves the gateway port (shared through node:cluster),
 * heartbeats to the database and reports its state to the primary.
 */
export async function runWorker(options: GatewayOptions): Promise<void> {
  const id = `${hostname()}-${process.pid}-${randomBytes(2).toString("hex")}`;
  const log = pino({ level: options.logLevel, base: { worker: id } });
  const startedAt = new Date();
  const db = createDb(options.databaseUrl, { max: 3 });
  let draining = false;
  let listening = false;

  const report = (state: WatcherState) => {
    const message: WorkerStatusMessage = {
      type: "bulwark:status",
      id,
      pid: process.pid,
      version: state.version,
      hash: state.hash,
      appliedAt: state.appliedAt?.toISOString() ?? null,
      rejectedVersion: state.rejectedVersion,
      lastError: state.lastError,
      source: state.source,
      ready: state.version !== null && listening && !draining,
      breakers: Object.fromEntries(breakers),
    };
    process.send?.(message);
  };
  const heartbeat = () =>
    recordHeartbeat(db, {
      id,
      host: hostname(),
      pid: process.pid,
      startedAt,
      version: watcher.state.version,
      versionHash: watcher.state.hash,
      appliedAt: watcher.state.appliedAt,
      rejectedVersion: watcher.state.rejectedVersion,
      lastError: watcher.state.lastError,
    }).catch((error) => log.debug({ err: (error as Error).message }, "heartbeat failed; database away?"));

  const share = new ConnectionShare(options.balanceConnections);
  const health = new ActiveHealth();
  const load = new LoadMonitor({ maxInFlight: options.maxInFlight, maxLagMs: options.shedLagMs });
  load.start();
  const limiter = new ClusterRateLimiter({ redisUrl: options.redisUrl ?? undefined, workerShare: 1 / options.workers, timeoutMs: options.redisTimeoutMs });
  const breakers = new Map<string, "open" | "half-open">();
  const runtime = createRuntime({
    health,
    load,
    limiter,
    onBreakerChange: (service, state) => {
      if (state === "closed") breakers.delete(service);
      else breakers.set(service, state);
      log.warn({ service, state }, state === "open" ? "circuit breaker opened" : `circuit breaker ${state}`);
      report(watcher.state);
    },
  });
  // Registered first: the primary sends the targets already down as soon as this worker is online.
  process.on("message", (m: HealthVerdictMessage | FairShareMessage) => {
    if (m?.type === "bulwark:health") health.set(m.service, m.address, m.healthy);
    else if (m?.type === "bulwark:fair-share") share.setFair(m.fair, m.basis);
  });
  const watcher = new ConfigWatcher({
    db,
    databaseUrl: options.databaseUrl,
    stateDir: options.stateDir,
    pollMs: options.pollMs,
    log,
    runtime,
    onChange: (state, _snapshot, config) => {
      report(state);
      void heartbeat();
      if (config && state.version !== null) {
        const checks = config.services.flatMap((s) => (s.healthCheck ? s.targets.map((t) => ({ service: s.name, address: t.address, check: s.healthCheck! })) : []));
        const message: HealthTargetsMessage = { type: "bulwark:health-targets", version: state.version, checks };
        process.send?.(message);
      }
    },
  });

  const telemetry = startWorkerTelemetry({ db, options, workerId: id, log, state: watcher.state, load, breakers });
  const forwarder = options.forwarder === "http-proxy" ? createHttpProxyForwarder() : createNodeHttpForwarder();
  const handler = createRequestHandler({
    current: () => watcher.snapshot,
    forwarder,
    runtime,
    trustedProxies: new Set(options.trustedProxies),
    maxHeaderCount: options.maxHeaderCount,
    traceSampleRatio: options.traceSampleRatio,
    onFinish: telemetry.onFinish,
    closeConnection: () => draining || share.takeClose(),
  });
  // Duplicate headers are joined in req.headers, which stages read; the pipeline counts Host fields in rawHeaders.
  const server = createServer(
    {
      insecureHTTPParser: false,
      requireHostHeader: true,
      joinDuplicateHeaders: true,
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      load.inFlight++;
      res.once("close", () => load.inFlight--);
      (req.socket as TrackedSocket)[CURRENT_REQUEST] = req;
      handler(req, res);
    },
  );
  server.keepAliveTimeout = 65_000;
  server.on("connection", (socket: Duplex) => {
    share.open++;
    socket.once("close", () => share.open--);
  });
  let reported = -1;
  const shareReport = setInterval(() => {
    if (share.open === reported && share.open === 0) return;
    reported = share.open;
    const message: ConnectionsMessage = { type: "bulwark:connections", open: share.open };
    process.send?.(message);
  }, CONNECTIONS_REPORT_MS);
  shareReport.unref();
  server.maxHeadersCount = 0; // counted in the pipeline, which answers 431 rather than silently dropping headers
  server.on("clientError", (err: NodeJS.ErrnoException, socket: TrackedSocket) => {
    // A parse error mid-body (a bad chunk after good ones): the request already on its way upstream is dropped.
    const inFlight = socket[CURRENT_REQUEST];
    if (inFlight !== undefined && !inFlight.complete) forwarder.cancel(inFlight);
    answerClientError(err, socket);
  });

  await watcher.start();
  report(watcher.state);
  void heartbeat();
  const beat = setInterval(() => void heartbeat(), options.heartbeatMs);
  beat.unref();
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port, options.host, () => ok());
  });
  listening = true;
  report(watcher.state);
  log.info({ port: options.port }, "worker listening");

  const drain = async () => {
    if (draining) return;
    draining = true;
    report(watcher.state);
    server.close();
    server.closeIdleConnections();
    const deadline = Date.now() + options.drainMs;
    while (load.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (load.inFlight > 0) log.warn({ inFlight: load.inFlight }, "drain timeout: closing the remaining requests");
    clearInterval(beat);
    clearInterval(shareReport);
    await watcher.stop();
    await telemetry.stop();
    load.stop();
    await limiter.close();
    await markWorkerStopped(db, id).catch(() => {});
    await db.$disconnect().catch(() => {});
    forwarder.close();
    process.exit(0);
  };
  process.on("message", (m: DrainMessage) => {
    if (m?.type === "bulwark:drain") void drain();
  });
  // The primary drains us; a signal sent to the whole process group must not cut requests short.
  process.on("SIGTERM", () => void drain());
  process.on("SIGINT", () => void drain());
  process.on("disconnect", () => void drain());
}
