import { z } from "zod";

/**
 * Resilience and admission policies of services and routes. Each is off (null) unless configured, except
 * retries on connection failures, which are on by default as in Kong. Defaults follow Envoy, Kong,
 * resilience4j and APISIX where they agree; the README says which was chosen and why.
 */

export const ms = (min: number, max: number, fallback: number) =>
  z.number({ error: "must be a number" }).int("must be a whole number").min(min, `must be at least ${min} ms`).max(max, `must be at most ${max} ms`).default(fallback);
export const count = (min: number, max: number, fallback: number) =>
  z.number({ error: "must be a number" }).int("must be a whole number").min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).default(fallback);
const percent = (fallback: number) => z.number({ error: "must be a number" }).min(0, "must be 0 to 100").max(100, "must be 0 to 100").default(fallback);
// Overloads, so a status with a default is optional in z.input (one union return type made every one required).
function status(): z.ZodNumber;
function status(fallback: number): z.ZodDefault<z.ZodNumber>;
function status(fallback?: number) {
  const s = z.number({ error: "must be a number" }).int("must be a whole number").min(100, "must be an HTTP status").max(599, "must be an HTTP status");
  return fallback === undefined ? s : s.default(fallback);
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
export const HeaderNameSchema = z.string({ error: "is required" }).regex(HEADER_NAME, "must be a header name (letters, digits and -)");
// Values the gateway puts on the wire: no control characters (no header injection).
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]{0,1024}$/;
export const HeaderValueSchema = z.string({ error: "must be text" }).regex(HEADER_VALUE, "must be at most 1024 printable characters");

/**
 * A circuit breaker per service (resilience4j's model): over a sliding window of `windowMs`, once at least
 * `minimumCalls` calls were made, it opens when the failure rate (5xx answers and connection failures) or the
 * slow-call rate (calls of `slowCallMs` or more) reaches its threshold; after `openMs` it lets `halfOpenProbes`
 * requests through and closes only if all succeed.
 */
export const CircuitBreakerSchema = z.object({
  failureRatePercent: z.number({ error: "must be a number" }).min(1, "must be 1 to 100").max(100, "must be 1 to 100").default(50),
  slowCallRatePercent: z.number({ error: "must be a number" }).min(1, "must be 1 to 100").max(100, "must be 1 to 100").default(100),
  slowCallMs: ms(1, 600_000, 5_000),
  windowMs: ms(1_000, 600_000, 10_000),
  minimumCalls: count(1, 10_000, 20),
  openMs: ms(100, 3_600_000, 30_000),
  halfOpenProbes: count(1, 100, 3),
});
export type CircuitBreaker = z.infer<typeof CircuitBreakerSchema>;

export const IDEMPOTENT_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"] as const;
const RETRYABLE_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH"] as const;

/**
 * Retries: on connection failures (refused, unreachable, connect timeout, reset before an answer) and on the
 * listed statuses, for the listed methods (idempotent ones by default), to a different target when the service
 * has one, after a jittered exponential backoff, and only while the route's retry budget (Envoy's: retries in
 * flight at most `budgetPercent` of requests in flight, never fewer than `minRetryConcurrency`) allows.
 * A connection that failed before the request was sent is retried for every method (the body is not read yet);
 * after it was sent, only the listed methods without a body are: the gateway streams bodies, never buffers them.
 */
export const RetriesSchema = z
  .object({
    attempts: count(0, 5, 1),
    statuses: z.array(status()).max(20, "at most 20 statuses").default([]),
    methods: z.array(z.enum(RETRYABLE_METHODS, { error: `must be one of ${RETRYABLE_METHODS.join(", ")}` })).default([...IDEMPOTENT_METHODS]),
    backoffMs: ms(1, 10_000, 25),
    maxBackoffMs: ms(1, 60_000, 250),
    budgetPercent: percent(20),
    minRetryConcurrency: count(0, 1_000, 3),
  })
  .superRefine((r, ctx) => {
    if (r.maxBackoffMs < r.backoffMs) ctx.addIssue({ code: "custom", path: ["maxBackoffMs"], message: "must be at least backoffMs" });
    if (new Set(r.statuses).size !== r.statuses.length) ctx.addIssue({ code: "custom", path: ["statuses"], message: "lists a status twice" });
    if (new Set(r.methods).size !== r.methods.length) ctx.addIssue({ code: "custom", path: ["methods"], message: "lists a method twice" });
  });
export type Retries = z.infer<typeof RetriesSchema>;
export const DEFAULT_RETRIES: Retries = { attempts: 1, statuses: [], methods: [...IDEMPOTENT_METHODS], backoffMs: 25, maxBackoffMs: 250, budgetPercent: 20, minRetryConcurrency: 3 };

/**
 * What a route answers while its service's breaker is open, when no target can take the request, or when
 * every attempt failed to reach the upstream: a static response, or (`lastGood`, GET and HEAD only) the last
 * 200 answer the gateway kept for that URL, with the static one when none is kept. Answers carry
 * `x-bulwark-fallback: static | last-good`.
 */
export const FallbackSchema = z.object({
  status: status(503),
  headers: z
    .record(z.string(), HeaderValueSchema)
    .default({ "content-type": "application/json" })
    .superRefine((h, ctx) => {
      const names = Object.keys(h);
      if (names.length > 20) ctx.addIssue({ code: "custom", path: [], message: "at most 20 headers" });
      for (const name of names) if (!HEADER_NAME.test(name)) ctx.addIssue({ code: "custom", path: [name], message: "must be a header name (letters, digits and -)" });
    }),
  body: z.string({ error: "must be text" }).max(65_536, "must be 64 KiB or less").default(""),
  lastGood: z.boolean({ error: "must be true or false" }).default(false),
});
export type Fallback = z.infer<typeof FallbackSchema>;

export const RATE_LIMIT_KEYS = ["route", "ip", "header", "consumer"] as const;

/**
 * A token bucket per route and client key: `requests` per `windowMs`, with bursts up to `requests`. Counted
 * cluster-wide through Redis when the gateway has REDIS_URL, else (or while Redis is away) by each worker for
 * its share. `by`: one bucket for the route, one per client IP (the real peer, or the trusted X-Forwarded-For),
 * one per value of a header, or one per authenticated consumer (the route needs auth).
 */
export const RateLimitSchema = z
  .object({
    requests: count(1, 10_000_000, 100),
    windowMs: ms(100, 86_400_000, 1_000),
    by: z.enum(RATE_LIMIT_KEYS, { error: "must be route, ip, header or consumer" }).default("route"),
    header: z.string().default(""),
  })
  .superRefine((r, ctx) => {
    if (r.by === "header" && !HEADER_NAME.test(r.header)) ctx.addIssue({ code: "custom", path: ["header"], message: "needs the header to count by, for example x-api-key" });
    if (r.by !== "header" && r.header !== "") ctx.addIssue({ code: "custom", path: ["header"], message: "is only used with by: header" });
  });
export type RateLimit = z.infer<typeof RateLimitSchema>;

export const PRIORITIES = ["critical", "normal", "low"] as const;
export const PrioritySchema = z.enum(PRIORITIES, { error: "must be critical, normal or low" });
export type Priority = z.infer<typeof PrioritySchema>;

/**
 * Blue-green and canary releases: `percent` of the route's requests go to `service` instead of the route's own,
 * and so does every request whose `header` has `value` (for example x-canary: 1), whatever the percent.
 */
export const TrafficSplitSchema = z.object({
  service: z.string({ error: "is required" }).min(1, "is required"),
  percent: percent(0),
  header: z
    .object({ name: HeaderNameSchema, value: HeaderValueSchema.min(1, "is required") })
    .nullable()
    .default(null),
});
export type TrafficSplit = z.infer<typeof TrafficSplitSchema>;

/** Chaos drills: abort `percent` of requests with `status`, delay `percent` of them by `ms`. */
export const FaultsSchema = z
  .object({
    abort: z
      .object({ percent: percent(0), status: status(503) })
      .nullable()
      .default(null),
    delay: z
      .object({ percent: percent(0), ms: ms(1, 60_000, 1_000) })
      .nullable()
      .default(null),
  })
  .superRefine((f, ctx) => {
    if (f.abort === null && f.delay === null) ctx.addIssue({ code: "custom", path: [], message: "needs an abort or a delay (or set faults to null)" });
  });
export type Faults = z.infer<typeof FaultsSchema>;
