import { ConsumerSchema } from "./access";
import { CONFIG_LIMITS, configChecker, GatewayConfigSchema, RouteSchema, ServiceSchema, type GatewayConfig } from "./schema";

/** What a long parse asks between entities: whether its slice of the event loop is used up, and how to give it back. */
export interface Slices {
  due(): boolean;
  yield(): Promise<void>;
}

type ParseResult = ReturnType<typeof GatewayConfigSchema.safeParse>;

const LISTS = [
  ["services", ServiceSchema],
  ["routes", RouteSchema],
  ["consumers", ConsumerSchema],
] as const;

/**
 * GatewayConfigSchema.safeParse, one entity at a time with a pause whenever `slices` says so, so that a worker
 * applying a version of tens of thousands of routes keeps answering requests (one synchronous parse of 20,000
 * routes took 300-500 ms). A valid config gives the schema's own data; anything else (not a plain object, a list
 * too long, an entity or a cross-field rule failing) is parsed again by the schema in one go, so a refused
 * version gets exactly the schema's errors: a refusal is rare, an apply is not.
 */
export async function parseConfigInSlices(input: unknown, slices: Slices): Promise<ParseResult> {
  const whole = () => GatewayConfigSchema.safeParse(input);
  if (typeof input !== "object" || input === null) return whole();
  const proto = Object.getPrototypeOf(input) as unknown;
  if (proto !== Object.prototype && proto !== null) return whole();
  const raw = input as Record<string, unknown>;
  const data: Record<string, unknown[]> = {};
  for (const [key, schema] of LISTS) {
    const list = raw[key];
    if (list === undefined) {
      data[key] = [];
      continue;
    }
    if (!Array.isArray(list) || list.length > CONFIG_LIMITS[key]) return whole();
    const out: unknown[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      if (!(i in list)) return whole();
      const parsed = schema.safeParse(list[i]);
      if (!parsed.success) return whole();
      out[i] = parsed.data;
      if (slices.due()) await slices.yield();
    }
    data[key] = out;
  }
  const config = { services: data.services, routes: data.routes, consumers: data.consumers } as GatewayConfig;
  let failed = false;
  const check = configChecker(config, { addIssue: () => void (failed = true) });
  check.entities();
  for (let i = 0; i < config.routes.length && !failed; i++) {
    check.route(i);
    if (slices.due()) await slices.yield();
  }
  if (failed) return whole();
  return { success: true, data: config } as ParseResult;
}
