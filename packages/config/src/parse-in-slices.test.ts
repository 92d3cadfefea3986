import { describe, expect, it } from "vitest";
import { GatewayConfigSchema } from "./schema";
import { parseConfigInSlices, type Slices } from "./parse-in-slices";

const service = { name: "catalog", targets: [{ address: "127.0.0.1:4001" }] };
const route = (name: string, extra: Record<string, unknown> = {}) => ({ name, path: `/${name}`, service: "catalog", ...extra });

/** Yields after every entity, so every step runs apart. */
function everyStep(): Slices & { yields: number } {
  return {
    yields: 0,
    due: () => true,
    async yield() {
      this.yields++;
      await new Promise((r) => setImmediate(r));
    },
  };
}

const cases: [string, unknown][] = [
  ["a plain config", { services: [service], routes: [route("a"), route("b", { methods: ["GET"] })] }],
  ["missing lists (defaults)", {}],
  ["unknown top-level keys (stripped)", { services: [service], extra: 1 }],
  ["hosts to lower-case", { services: [service], routes: [route("a", { hosts: ["API.Example.edu"] })] }],
  ["null", null],
  ["an array", []],
  ["a string", "config"],
  ["routes not a list", { services: [service], routes: {} }],
  ["a route that does not parse", { services: [service], routes: [route("a"), { name: "B!", path: "x" }] }],
  ["an unknown service", { services: [service], routes: [route("a", { service: "nope" })] }],
  ["two routes with one name", { services: [service], routes: [route("a"), { ...route("b"), name: "a" }] }],
  ["a conflict on one method", { services: [service], routes: [route("a", { methods: ["GET", "POST"] }), { ...route("b", { methods: ["POST"] }), path: "/a" }] }],
  ["no conflict on different methods", { services: [service], routes: [route("a", { methods: ["GET"] }), { ...route("b", { methods: ["POST"] }), path: "/a" }] }],
  ["a conflict on a host", { services: [service], routes: [route("a", { hosts: ["x.edu"] }), { ...route("b", { hosts: ["X.edu"] }), path: "/a" }] }],
  ["no conflict between a host and none", { services: [service], routes: [route("a", { hosts: ["x.edu"] }), { ...route("b"), path: "/a" }] }],
  ["templates whose parameter names differ", { services: [service], routes: [route("a", { path: "/c/:id", pathType: "template" }), route("b", { path: "/c/:key", pathType: "template" })] }],
  ["a duplicate service", { services: [service, service] }],
  ["duplicate consumers", { services: [service], consumers: [{ name: "c" }, { name: "c" }] }],
  ["a split to itself", { services: [service], routes: [route("a", { split: { service: "catalog", percent: 10 } })] }],
  ["too many services", { services: Array.from({ length: 10_001 }, (_, i) => ({ ...service, name: `s${i}` })) }],
  ["a hole in a list", { services: [service], routes: [route("a"), , route("b")] }], // eslint-disable-line no-sparse-arrays
];

describe("parseConfigInSlices", () => {
  it.each(cases)("accepts and refuses exactly as the schema does: %s", async (_name, input) => {
    const expected = GatewayConfigSchema.safeParse(input);
    const got = await parseConfigInSlices(input, everyStep());
    expect(got.success).toBe(expected.success);
    if (expected.success) expect(got.data).toEqual(expected.data);
    else expect(got.error?.issues).toEqual(expected.error.issues);
  });

  it("gives the event loop back between entities and between route checks", async () => {
    const slices = everyStep();
    const input = { services: [service], routes: Array.from({ length: 50 }, (_, i) => route(`r${i}`)) };
    const result = await parseConfigInSlices(input, slices);
    expect(result.success).toBe(true);
    expect(slices.yields).toBeGreaterThanOrEqual(100);
  });
});
