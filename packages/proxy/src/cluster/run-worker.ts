import cluster from "node:cluster";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import { Server as NetServer } from "node:net";
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
import { setScraped } from "../telemetry/gateway-metrics";
import type { ConnectionsMessage, DrainMessage, FairShareMessage, HealthTargetsMessage, HealthVerdictMessage, PromoteMessage, WorkerStatusMessage } from "./worker-messages";
import { ConnectionShare } from "./connection-share";
import { ClientConnections } from "./client-connections";

/** How often a worker tells the primary its open connections (and so how fast connections are rebalanced). */
const CONNECTIONS_REPORT_MS = 250;
/** While draining, a kept-alive connection idle this long is closed: one in use back to back is never idle so long. */
const IDLE_GRACE_MS = 1_000;
/** A worker whose primary died drains for at most this long: it holds the port, and nothing else will stop it. */
const ORPHAN_DRAIN_MS = 3_000;

const CURRENT_REQUEST = Symbol("bulwark.currentRequest");
type TrackedSocket = Duplex & { [CURRENT_REQUEST]?: IncomingMessage };

/** How the primary tells a forked worker it is a warm spare (see GatewayOptions.spareWorkers). */
export const WORKER_ROLE_ENV = "BULWARK_WORKER_ROLE";

/**
 * One worker process: loads and watches the config, serves the gateway port (shared through node:cluster),
 * heartbeats to the database and reports its state to the primary. A warm spare does all of that except
 * listening and heartbeating (the fleet in the database is the serving workers) until the primary promotes it.
 */
export async function runWorker(options: GatewayOptions): Promise<void> {
  const id = `${hostname()}-${process.pid}-${randomBytes(2).toString("hex")}`;
  const log = pino({ level: options.logLevel, base: { worker: id } });
  const startedAt = new Date();
  const db = createDb(options.databaseUrl, { max: 3 });
  let draining = false;
  let listening = false;
  let spare = process.env[WORKER_ROLE_ENV] === "spare";
  setScraped(!spare);
  let promote: () => void = () => {};
  const promoted = spare ? new Promise<void>((ok) => (promote = ok)) : Promise.resolve();
  // The primary's IPC channel closes when it dies: nothing may be sent then (an unhandled 'error' would kill us mid-drain).
  const tellPrimary = (message: WorkerStatusMessage | HealthTargetsMessage | ConnectionsMessage) => {
    if (process.connected) process.send?.(message);
  };

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
      spare,
      breakers: Object.fromEntries(breakers),
    };
    tellPrimary(message);
  };
  // One heartbeat in flight at a time: ticks while the database stalls join it instead of queueing more writes.
  let beating: Promise<void> | null = null;
  const heartbeat = (): Promise<void> | undefined => {
    if (spare) return undefined;
    return (beating ??= recordHeartbeat(db, {
      id,
      host: hostname(),
      pid: process.pid,
      startedAt,
      version: watcher.state.version,
      versionHash: watcher.state.hash,
      appliedAt: watcher.state.appliedAt,
      rejectedVersion: watcher.state.rejectedVersion,
      lastError: watcher.state.lastError,
    })
      .catch((error) => log.debug({ err: (error as Error).message }, "heartbeat failed; database away?"))
      .finally(() => (beating = null)));
  };

  const share = new ConnectionShare(options.balanceConnections);
  const clients = new ClientConnections();
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
  process.on("message", (m: HealthVerdictMessage | FairShareMessage | PromoteMessage) => {
    if (m?.type === "bulwark:health") health.set(m.service, m.address, m.healthy);
    else if (m?.type === "bulwark:fair-share") share.setFair(m.fair, m.basis);
    else if (m?.type === "bulwark:promote" && spare) {
      spare = false;
      setScraped(true);
      promote();
    }
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
        tellPrimary(message);
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
      clients.answering(req.socket, res);
      // Whatever answers (the pipeline, an early error), its connection ends after it.
      if (draining) res.shouldKeepAlive = false;
      handler(req, res);
    },
  );
  server.keepAliveTimeout = 65_000;
  server.on("connection", (socket: Duplex) => {
    share.open++;
    clients.opened(socket);
    socket.once("close", () => share.open--);
  });
  let reported = -1;
  const shareReport = setInterval(() => {
    if (spare) return;
    if (share.open === reported && share.open === 0) return;
    reported = share.open;
    const message: ConnectionsMessage = { type: "bulwark:connections", open: share.open };
    tellPrimary(message);
  }, CONNECTIONS_REPORT_MS);
  shareReport.unref();
  server.maxHeadersCount = 0; // counted in the pipeline, which answers 431 rather than silently dropping headers
  server.on("clientError", (err: NodeJS.ErrnoException, socket: TrackedSocket) => {
    // A parse error mid-body (a bad chunk after good ones): the request already on its way upstream is dropped.
    const inFlight = socket[CURRENT_REQUEST];
    if (inFlight !== undefined && !inFlight.complete) forwarder.cancel(inFlight);
    answerClientError(err, socket);
  });

  const beat = setInterval(() => void heartbeat(), options.heartbeatMs);
  beat.unref();

  let sweep: NodeJS.Timeout | undefined;
  /** Stage one: every answer says Connection: close, idle kept-alive connections are closed; still accepting. */
  const announce = () => {
    if (draining) return;
    draining = true;
    report(watcher.state);
    clients.closeAfterAnswers();
    sweep = setInterval(() => clients.closeIdle(IDLE_GRACE_MS), 100);
    sweep.unref();
  };
  let deadline = Number.POSITIVE_INFINITY;
  let stopping = false;
  /** Stage two: the listener closes, open connections finish (up to timeoutMs), and the worker exits. */
  const stopAccepting = async (timeoutMs: number) => {
    announce();
    deadline = Math.min(deadline, Date.now() + timeoutMs);
    if (stopping) return;
    stopping = true;
    // net's close, not http's: http.Server#close also closes idle kept-alive connections at once, which resets
    // a request its client is sending on one that instant.
    NetServer.prototype.close.call(server);
    while ((clients.size > 0 || load.inFlight > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (clients.size > 0) log.warn({ inFlight: load.inFlight, connections: clients.size }, "drain timeout: closing the remaining connections");
    clients.destroyAll();
    clearInterval(sweep);
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
    if (m?.type !== "bulwark:drain") return;
    if (m.stage === "announce") announce();
    else void stopAccepting(options.drainMs);
  });
  // The primary drains us; a signal sent to the whole process group must not cut requests short. A signal to
  // this worker alone drains it the way the primary would.
  const drainOnSignal = () => {
    announce();
    setTimeout(() => void stopAccepting(options.drainMs), options.drainDelayMs).unref();
  };
  process.on("SIGTERM", drainOnSignal);
  process.on("SIGINT", drainOnSignal);
  // A primary that died (SIGKILL, OOM) leaves its workers holding the port: stop accepting now, finish briefly, exit.
  // node:cluster would exit at once on the disconnect, cutting the requests in flight; this worker drains instead.
  const orphaned = (why: string) => {
    if (stopping && deadline <= Date.now() + ORPHAN_DRAIN_MS) return;
    log.warn({ why }, "the cluster primary is gone: draining briefly and exiting");
    void stopAccepting(Math.min(options.drainMs, ORPHAN_DRAIN_MS));
  };
  if (cluster.worker) cluster.worker.exitedAfterDisconnect = true;
  process.on("disconnect", () => orphaned("disconnect"));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) orphaned("reparented");
  }, 1_000).unref();

  await watcher.start();
  report(watcher.state);
  if (spare) log.info("warm spare ready: config loaded, waiting to be promoted");
  await promoted;
  // Drained while starting or waiting as a spare: stopAccepting exits; this worker never listens.
  if (draining) return;
  void heartbeat();
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port, options.host, () => ok());
  });
  listening = true;
  report(watcher.state);
  log.info({ port: options.port }, "worker listening");
}
