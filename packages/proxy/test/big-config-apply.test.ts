import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayConfigInput } from "@bulwark/config/schema";
import { EventLoopSlices } from "../src/config/event-loop-slices";
import { prepareVersion } from "../src/config/prepare-version";
import type { Snapshot } from "../src/config/compile-snapshot";
import { createRuntime } from "../src/pipeline/gateway-runtime";

const ROUTES = 20_000;

/** A version as a worker reads it from PostgreSQL: plain JSON, defaults not yet filled in. */
function bigVersion(version: number): { version: number; hash: string; config: GatewayConfigInput } {
  return {
    version,
    hash: `h${version}`,
    config: {
      services: [{ name: "upstream", targets: [{ address: "127.0.0.1:4000" }] }],
      routes: Array.from({ length: ROUTES }, (_, i) => ({ name: `r${i}`, path: `/r${i}`, service: "upstream" })),
    },
  };
}

let server: Server;
let url: string;
let current: Snapshot | null = null;

beforeAll(async () => {
  // Answers from the snapshot it runs, as a worker does: the name of the matched route.
  server = createServer((req, res) => {
    const match = current?.match(req.method ?? "GET", req.url ?? "/", "gw.local");
    res.end(match ? match.route.name : "none");
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((ok) => server.close(ok));
});

describe("applying a 20,000-route version", () => {
  it("keeps answering requests and firing timers while the version is parsed and compiled", async () => {
    current = (
      await prepareVersion(
        { version: 1, hash: "h1", config: { services: [{ name: "upstream", targets: [{ address: "127.0.0.1:4000" }] }], routes: [{ name: "old", path: "/", service: "upstream" }] } },
        new Map(),
        createRuntime(),
      )
    ).snapshot;
    const runtime = createRuntime();
    const registry = new Map();
    const slices = new EventLoopSlices();
    // A timer probe: a synchronous apply would let it fire only after the apply.
    let ticks = 0;
    let last = performance.now();
    let longestGapMs = 0;
    const probe = setInterval(() => {
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
      ticks++;
    }, 1);
    let applying = true;
    const answeredDuring: string[] = [];
    const traffic = (async () => {
      while (applying) {
        const body = await (await fetch(`${url}/r5/x`)).text();
        if (applying) answeredDuring.push(body);
      }
    })();
    const started = performance.now();
    const { snapshot } = await prepareVersion(bigVersion(2), registry, runtime, slices);
    const applyMs = performance.now() - started;
    const ticksDuring = ticks;
    applying = false;
    clearInterval(probe);
    await traffic;
    current = snapshot;
    console.log(
      `apply of ${ROUTES} routes: ${applyMs.toFixed(0)} ms, ${slices.yields} yields, ${ticksDuring} timer ticks, longest timer gap ${longestGapMs.toFixed(0)} ms, ${answeredDuring.length} requests answered`,
    );

    expect(slices.yields).toBeGreaterThanOrEqual(10);
    expect(ticksDuring).toBeGreaterThanOrEqual(5);
    expect(answeredDuring.length).toBeGreaterThanOrEqual(3);
    // Until the swap, every answer came from the version that was running.
    expect(new Set(answeredDuring)).toEqual(new Set(["old"]));
    expect(await (await fetch(`${url}/r5/x`)).text()).toBe("r5");
    expect(snapshot.routeCount).toBe(ROUTES);
  }, 120_000);

  it("refuses a large version that breaks a cross-field rule, with the schema's message", async () => {
    const v = bigVersion(3);
    v.config.routes!.push({ name: "dup", path: "/r7", service: "upstream" });
    await expect(prepareVersion(v, new Map(), createRuntime())).rejects.toThrow(/routes\.20000\.path: conflicts with route r7/);
  }, 120_000);
});
