import { z } from "zod";
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
      thresholdMs: z
        .number({ error: "must be a number" })
        .refine((v) => (LATENCY_BOUNDS_MS as readonly number[]).includes(v), `must be one of ${LATENCY_BOUNDS_MS.join(", ")} ms`),
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
  webhookUrl: z
    .string()
    .url("must be an http(s) URL")
    .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL")
    .nullable()
    .default(null),
});
export type Slo = z.infer<typeof SloSchema>;
export type SloInput = z.input<typeof SloSchema>;
