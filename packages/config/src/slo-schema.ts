import { z } from "zod";
import { outboundUrlSchema } from "./outbound-url-schema";
import { LATENCY_BOUNDS_MS } from "@bulwark/slo/histogram";
import { NameSchema } from "./schema";

/**
 * A service-level objective: what share of answers from a service or route must be good over a rolling window.
 * Latency thresholds are histogram bucket bounds, so "answers under N ms" is counted exactly, not estimated.
 */
export const SLO_WINDOW_DAYS = [28, 30] as const;

export const SloIndicatorSchema = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("availability"),
      /** Gateway fallbacks are failures unless the team says a fallback answer keeps the promise. */
      fallbacksCountAsGood: z.boolean({ error: "must be true or false" }).default(false),
    }),
    z.object({
      type: z.literal("latency"),
      thresholdMs: z.number({ error: "must be a number" }).refine((v) => (LATENCY_BOUNDS_MS as readonly number[]).includes(v), `must be one of ${LATENCY_BOUNDS_MS.join(", ")} ms`),
    }),
  ],
  { error: "type must be availability or latency" },
);

export const SloSchema = z.object({
  name: NameSchema,
  description: z.string().max(500, "must be 500 characters or less").default(""),
  target: z.object({
    kind: z.enum(["service", "route"], { error: "must be service or route" }),
    name: NameSchema,
  }),
  indicator: SloIndicatorSchema,
  /** Percent of good answers, e.g. 99.9. */
  objectivePercent: z
    .number({ error: "must be a number" })
    .gt(50, "must be above 50")
    .lt(100, "must be below 100 (a 100% objective leaves no error budget)")
    .refine((v) => Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-6, "may have at most three decimals"),
  windowDays: z.union(SLO_WINDOW_DAYS.map((d) => z.literal(d)) as [z.ZodLiteral<28>, z.ZodLiteral<30>], { error: "must be 28 or 30" }).default(30),
  webhookUrl: outboundUrlSchema("webhook"),
});
export type Slo = z.infer<typeof SloSchema>;
export type SloInput = z.input<typeof SloSchema>;

/**
 * The time ranges dashboards offer, with the bucket size each one reads: a few hundred points at most, and never
 * finer than an hour beyond 24 h, where minute rollups may already be compacted into hourly ones.
 */
export const TIME_RANGES = {
  "1h": { ms: 3_600_000, bucketSeconds: 60 },
  "6h": { ms: 6 * 3_600_000, bucketSeconds: 60 },
  "24h": { ms: 24 * 3_600_000, bucketSeconds: 300 },
  "7d": { ms: 7 * 86_400_000, bucketSeconds: 3600 },
  "30d": { ms: 30 * 86_400_000, bucketSeconds: 7200 },
} as const;
export type TimeRange = keyof typeof TIME_RANGES;
export const TIME_RANGE_NAMES = Object.keys(TIME_RANGES) as TimeRange[];

const TimeRangeSchema = z.enum(TIME_RANGE_NAMES as [TimeRange, ...TimeRange[]], { error: `must be one of ${TIME_RANGE_NAMES.join(", ")}` });

/** Query of GET /api/v1/traffic. */
export const TrafficQuerySchema = z.object({
  scope: z.enum(["route", "service"], { error: "must be route or service" }).default("route"),
  name: NameSchema,
  range: TimeRangeSchema.default("1h"),
});
export type TrafficQuery = z.infer<typeof TrafficQuerySchema>;

/** Query of GET /api/v1/slos/{name}/history. */
export const SloHistoryQuerySchema = z.object({ range: TimeRangeSchema.default("7d") });

const queryNumber = (message: string) => z.coerce.number({ error: message }).refine(Number.isFinite, message);

/** Query of GET /api/v1/traces: which kept requests to list, newest first. */
export const TraceQuerySchema = z.object({
  route: NameSchema.optional(),
  service: NameSchema.optional(),
  /** An exact status (502) or a class (4xx, 5xx). */
  status: z
    .string()
    .regex(/^([1-5]\d\d|[45]xx)$/, "must be a status such as 502, or 4xx or 5xx")
    .transform((s) => (s.endsWith("xx") ? (s as "4xx" | "5xx") : Number(s)))
    .optional(),
  minDurationMs: queryNumber("must be a number of milliseconds").pipe(z.number().min(0, "must be 0 or more")).optional(),
  /** Paging: traces that started before this instant (ISO 8601). */
  before: z.iso
    .datetime({ offset: true, error: "must be an ISO 8601 date-time" })
    .transform((s) => new Date(s))
    .optional(),
  limit: queryNumber("must be a number").pipe(z.number().int("must be a whole number").min(1, "must be 1 or more").max(500, "must be 500 or less")).default(50),
});
export type TraceQuery = z.infer<typeof TraceQuerySchema>;

/** Latency thresholds an SLO may use: the histogram's bucket bounds, so "answers under N ms" is counted exactly. */
export const SLO_LATENCY_THRESHOLDS_MS: readonly number[] = LATENCY_BOUNDS_MS;
