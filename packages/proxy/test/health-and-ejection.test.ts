import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { eventually, startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

let database: TestDatabase;
let db: Db;
let gateway: Gateway;
const sick = { health: false, errors: false };
let a: Upstream;
let b: Upstream;
let c: Upstream;
let d: Upstream;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  a = await startUpstream("a");
  b = await startUpstream("b", (req, res) => {
    if (req.url === "/health" && sick.health) return !!res.writeHead(503).end();
    return false;
  });
  c = await startUpstream("c");
  d = await startUpstream("d", (_req, res) => (sick.errors ? !!res.writeHead(500, { "x-upstream": "d" }).end("boom") : false));
  await replaceDraft(db, {
    services: [
      { name: "checked", targets: [{ address: a.address }, { address: b.address }], healthCheck: { path: "/health", intervalMs: 500, timeoutMs: 300, healthyThreshold: 2, unhealthyThreshold: 2 } },
      { name: "ejecting", targets: [{ address: c.address }, { address: d.address }], outlierDetection: { consecutiveFailures: 3, baseEjectionMs: 60_000, maxEjectionPercent: 50 } },
    ],
    routes: [
      { name: "checked", path: "/checked", service: "checked" },
      { name: "ejecting", path: "/ejecting", service: "ejecting" },
    ],
  });
  const { version } = await publishDraft(db, { author: "test" });
  gateway = await startGateway({ databaseUrl: database.url, workers: 2 });
  await gateway.waitForVersion(version);
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([a, b, c, d].map((u) => u?.close()));
  await db?.$disconnect();
  await database?.close();
});

const upstreamsOf = async (path: string, n: number) =>
  Promise.all(
    Array.from({ length: n }, async () => {
      const res = await fetch(`${gateway.url}${path}`, { headers: { connection: "close" } });
      await res.arrayBuffer();
      return res.status === 200 ? res.headers.get("x-upstream") : `status ${res.status}`;
    }),
  );

describe("active health checks", () => {
  it("probe each target once per interval for the whole host, not once per worker", async () => {
    const before = b.requests.filter((r) => r.url === "/health").length;
    await new Promise((r) => setTimeout(r, 3000));
    const probes = b.requests.filter((r) => r.url === "/health").length - before;
    expect(probes).toBeGreaterThanOrEqual(4);
    expect(probes).toBeLessThanOrEqual(9); // two workers probing separately would make ~12
  });

  it("take a failing target out of rotation on every worker and bring it back when it recovers", async () => {
    sick.health = true;
    await eventually(
      async () => ((await gateway.status()) as unknown as { targets: { address: string; healthy: boolean }[] }).targets.some((t) => t.address === b.address && !t.healthy),
      "b marked down",
    );
    expect(new Set(await upstreamsOf("/checked/x", 20))).toEqual(new Set(["a"]));
    sick.health = false;
    await eventually(async () => (await upstreamsOf("/checked/x", 10)).includes("b"), "b back in rotation");
  });

  it("answer 503 NO_HEALTHY_UPSTREAM at once when every target is down", async () => {
    await a.close();
    sick.health = true;
    await eventually(async () => (await upstreamsOf("/checked/x", 4)).every((s) => s === "status 503"), "both targets down");
    const res = await fetch(`${gateway.url}/checked/x`);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NO_HEALTHY_UPSTREAM");
  });
});

describe("passive outlier ejection", () => {
  it("ejects a target after consecutive 5xx answers, on each worker, leaving the rest serving", async () => {
    sick.errors = true;
    const first: (string | null)[] = [];
    for (let i = 0; i < 30; i++) first.push(...(await upstreamsOf("/ejecting/x", 1)));
    expect(first.filter((s) => s === "status 500").length).toBeLessThanOrEqual(6); // 3 per worker at most
    // Workers accept connections themselves, so the sequential requests may all have reached one worker: the
    // other ejects d when its own traffic comes. Without ejection, half of every batch would keep failing.
    let later = 0;
    await eventually(async () => {
      const batch = await upstreamsOf("/ejecting/x", 20);
      later += batch.filter((s) => s === "status 500").length;
      return batch.every((s) => s === "c");
    }, "d ejected on every worker that gets traffic");
    expect(later).toBeLessThanOrEqual(3 + 10); // a worker's 3 failures, and at most half a batch in flight with them
  });
});
