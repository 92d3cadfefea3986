import { createRequire } from "node:module";
import type { Redis } from "ioredis";
import { BucketTable } from "./bucket-table";

export interface RateDecision {
  allowed: boolean;
  /** Tokens left after this request (RateLimit-Remaining). */
  remaining: number;
  /** Milliseconds until the next token (Retry-After when refused). */
  retryAfterMs: number;
  /** "cluster" when Redis decided, "local" when this worker did (no Redis, or Redis failing). */
  source: "cluster" | "local";
}

export interface RateLimit {
  /** Requests allowed per window, and the bucket's burst size. */
  limit: number;
  windowMs: number;
}

// Token bucket kept in one Redis hash per key, refilled from Redis's own clock so workers on different hosts
// agree; atomic because Redis runs a script as one step.
const SCRIPT = `
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil then tokens = capacity; ts = now end
if now > ts then tokens = math.min(capacity, tokens + (now - ts) * per_ms); ts = now end
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', ts)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / per_ms) + 1000)
local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) / per_ms) end
return {allowed, math.floor(tokens), wait}
`;

const MAX_LOCAL_KEYS = 100_000;

/**
 * Rate limits shared by every worker through Redis when it is reachable, and local token buckets (each worker
 * taking its share of the limit) when it is not: traffic never waits on a Redis that is down, only on one that
 * answers within `timeoutMs`.
 */
export class ClusterRateLimiter {
  private readonly redis: Redis | null;
  private readonly local: BucketTable;
  private healthy = false;
  private readonly workerShare: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  /** workerShare: this worker's part of a limit when deciding alone (1 / number of workers). */
  constructor(options: { redisUrl?: string; workerShare?: number; timeoutMs?: number; now?: () => number } = {}) {
    this.workerShare = options.workerShare ?? 1;
    this.timeoutMs = options.timeoutMs ?? 50;
    this.now = options.now ?? Date.now;
    this.local = new BucketTable(MAX_LOCAL_KEYS, this.now);
    // Loaded only with a Redis URL: a worker without one does not carry the client (~8 MiB).
    const RedisClient = options.redisUrl ? (createRequire(import.meta.url)("ioredis") as typeof import("ioredis")).Redis : null;
    this.redis =
      options.redisUrl && RedisClient
        ? new RedisClient(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: false, retryStrategy: (n) => Math.min(n * 200, 2000) })
        : null;
    if (this.redis) {
      this.redis.defineCommand("bulwarkTake", { numberOfKeys: 1, lua: SCRIPT });
      this.redis.on("ready", () => (this.healthy = true));
      this.redis.on("error", () => (this.healthy = false));
      this.redis.on("close", () => (this.healthy = false));
    }
  }

  get mode(): "cluster" | "local" {
    return this.redis && this.healthy ? "cluster" : "local";
  }

  /** Decides at once (a plain value) when deciding locally; asks Redis (a promise) when it is up. */
  take(key: string, limit: RateLimit): RateDecision | Promise<RateDecision> {
    if (this.redis && this.healthy) return this.takeCluster(this.redis, key, limit);
    return this.takeLocal(key, limit);
  }

  private async takeCluster(redis: Redis, key: string, limit: RateLimit): Promise<RateDecision> {
    try {
      const perMs = limit.limit / limit.windowMs;
      const call = (redis as unknown as { bulwarkTake(k: string, c: number, r: number): Promise<[number, number, number]> }).bulwarkTake(`bulwark:rl:${key}`, limit.limit, perMs);
      const [allowed, remaining, wait] = await withTimeout(call, this.timeoutMs);
      return { allowed: allowed === 1, remaining, retryAfterMs: wait, source: "cluster" };
    } catch {
      // Redis slow or failing: decide locally for this request; the connection's own events track recovery.
      return this.takeLocal(key, limit);
    }
  }

  private takeLocal(key: string, limit: RateLimit): RateDecision {
    const capacity = Math.max(1, Math.floor(limit.limit * this.workerShare));
    const rate = (capacity * 1000) / limit.windowMs;
    // Per-client keys are unbounded; the table forgets full buckets first, exhausted ones last.
    const { allowed, bucket } = this.local.take(key, capacity, rate);
    return { allowed, remaining: bucket.remaining, retryAfterMs: bucket.msUntilNext, source: "local" };
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("redis timeout")), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        ok(v);
      },
      (e) => {
        clearTimeout(timer);
        fail(e);
      },
    );
  });
}
