import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import type { ForwarderKind } from "../forward/forwarder";

export interface GatewayOptions {
  databaseUrl: string;
  host: string;
  port: number;
  adminPort: number;
  /** The admin port tells upstream addresses and errors: loopback unless the operator opens it. */
  adminHost: string;
  /** When set, /status and /metrics need it as a bearer token (/healthz and /readyz stay open). */
  adminToken: string | null;
  workers: number;
  /**
   * Workers kept warm beside the serving ones: config loaded, not listening. When a worker dies a spare is
   * promoted and listens at once (a new worker needs about a second to start), and a new spare is forked.
   */
  spareWorkers: number;
  stateDir: string;
  pollMs: number;
  heartbeatMs: number;
  trustedProxies: string[];
  drainMs: number;
  /** After SIGTERM, how long /readyz is 503 while the gateway still accepts, before it stops accepting. */
  drainDelayMs: number;
  /** Slow clients: time to send all headers, and the whole request (408). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** More request headers than this is a 431. */
  maxHeaderCount: number;
  logLevel: string;
  /** Cluster-wide rate limits through Redis; local limits without it. */
  redisUrl: string | null;
  /** A Redis slower than this to decide is skipped: the worker decides locally for that request. */
  redisTimeoutMs: number;
  /** Load shedding: requests in flight per worker at which even critical routes are shed. */
  maxInFlight: number;
  /** Load shedding: event-loop delay at which low-priority routes are shed (normal ones at twice it). */
  shedLagMs: number;
  /** Share of new traces kept (head sampling); failed and slow requests are always kept. */
  traceSampleRatio: number;
  traceSlowMs: number;
  traceRetentionHours: number;
  /** How often rollups and spans are written to the database. */
  telemetryFlushMs: number;
  /** Estimated bytes of spans a worker keeps waiting for the database; past it new spans are dropped and counted. */
  traceBufferBytes: number;
  /** OTLP/HTTP collector (Jaeger, Tempo...) that spans are also exported to. */
  otlpEndpoint: string | null;
  /** The forwarding engine. */
  forwarder: ForwarderKind;
  /** Spread client connections evenly over the workers (see ConnectionShare). */
  balanceConnections: boolean;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

function ratio(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`${name} must be a number from 0 to 1, got "${raw}"`);
  return n;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

/** A token with whitespace in it could never be sent in one Authorization header, so it is refused at start. */
function bearerToken(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = env[name];
  if (raw === undefined || raw === "") return null;
  if (/\s/.test(raw)) throw new Error(`${name} must not contain whitespace`);
  return raw;
}

function forwarderKind(raw: string | undefined): ForwarderKind {
  if (raw === undefined || raw === "" || raw === "node") return "node";
  if (raw === "http-proxy") return "http-proxy";
  throw new Error(`GATEWAY_FORWARDER must be "node" or "http-proxy", got "${raw}"`);
}

/** Reads the gateway's settings from the environment; throws with the variable's name on a bad value. */
export function readGatewayOptions(env: NodeJS.ProcessEnv = process.env): GatewayOptions {
  if (!env.DATABASE_URL) throw new Error("DATABASE_URL is required");
  return {
    databaseUrl: env.DATABASE_URL,
    host: env.GATEWAY_HOST || "0.0.0.0",
    port: int(env, "GATEWAY_PORT", 8080, 1, 65535),
    adminPort: int(env, "GATEWAY_ADMIN_PORT", 9091, 1, 65535),
    adminHost: env.GATEWAY_ADMIN_HOST || "127.0.0.1",
    adminToken: bearerToken(env, "GATEWAY_ADMIN_TOKEN"),
    workers: int(env, "GATEWAY_WORKERS", availableParallelism(), 1, 256),
    spareWorkers: int(env, "GATEWAY_SPARE_WORKERS", 1, 0, 16),
    stateDir: resolve(env.GATEWAY_STATE_DIR || ".data/gateway"),
    pollMs: int(env, "GATEWAY_POLL_MS", 3000, 100, 3_600_000),
    heartbeatMs: int(env, "GATEWAY_HEARTBEAT_MS", 5000, 100, 3_600_000),
    trustedProxies: (env.GATEWAY_TRUSTED_PROXIES ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    drainMs: int(env, "GATEWAY_DRAIN_MS", 10_000, 0, 600_000),
    drainDelayMs: int(env, "GATEWAY_DRAIN_DELAY_MS", 1_000, 0, 60_000),
    headersTimeoutMs: int(env, "GATEWAY_HEADERS_TIMEOUT_MS", 10_000, 100, 600_000),
    requestTimeoutMs: int(env, "GATEWAY_REQUEST_TIMEOUT_MS", 60_000, 100, 3_600_000),
    maxHeaderCount: int(env, "GATEWAY_MAX_HEADERS", 100, 1, 10_000),
    logLevel: env.LOG_LEVEL || "info",
    redisUrl: env.REDIS_URL || null,
    redisTimeoutMs: int(env, "GATEWAY_REDIS_TIMEOUT_MS", 100, 1, 10_000),
    maxInFlight: int(env, "GATEWAY_MAX_IN_FLIGHT", 10_000, 1, 1_000_000),
    shedLagMs: int(env, "GATEWAY_SHED_LAG_MS", 250, 1, 60_000),
    traceSampleRatio: ratio(env, "GATEWAY_TRACE_SAMPLE_RATIO", 0.01),
    traceSlowMs: int(env, "GATEWAY_TRACE_SLOW_MS", 1_000, 1, 3_600_000),
    traceRetentionHours: int(env, "GATEWAY_TRACE_RETENTION_HOURS", 72, 1, 24 * 90),
    telemetryFlushMs: int(env, "GATEWAY_TELEMETRY_FLUSH_MS", 5_000, 100, 600_000),
    traceBufferBytes: int(env, "GATEWAY_TRACE_BUFFER_BYTES", 32 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || null,
    forwarder: forwarderKind(env.GATEWAY_FORWARDER),
    balanceConnections: flag(env, "GATEWAY_BALANCE_CONNECTIONS", true),
  };
}
