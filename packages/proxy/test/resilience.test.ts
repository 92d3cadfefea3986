import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { eventually, startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

let database: TestDatabase;
let db: Db;
let gateway: Gateway;
let a: Upstream;
let b: Upstream;
let flaky: Upstream;
let down: Upstream;
let bad: Upstream;
let good: Upstream;
const mode = { flakyFails: false };

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  a = await startUpstream("a");
  b = await startUpstream("b");
  flaky = await startUpstream("flaky", (req, res) => {
    if (mode.flakyFails) return !!res.writeHead(500, { "x-upstream": "flaky" }).end("broken");
    res.writeHead(200, { "content-type": "application/json", "x-upstream": "flaky" });
    res.end(JSON.stringify({ item: req.url, at: Date.now() }));
    return true;
  });
  down = await startUpstream("down", (_req, res) => !!res.writeHead(503, { "x-upstream": "down" }).end("unavailable"));
  bad = await startUpstream("bad", (_req, res) => !!res.writeHead(503, { "x-upstream": "bad" }).end("unavailable"));
  good = await startUpstream("good");
  const retryOn503 = { attempts: 3, statuses: [503], backoffMs: 1, maxBackoffMs: 5 };
  await replaceDraft(db, {
    services: [
      { name: "courses", targets: [{ address: a.address }, { address: b.address }], outlierDetection: { consecutiveFailures: 3, baseEjectionMs: 1000, maxEjectionMs: 2000 } },
      { name: "flaky", targets: [{ address: flaky.address }], circuitBreaker: { minimumCalls: 5, failureRatePercent: 50, windowMs: 10_000, openMs: 1500, halfOpenProbes: 2 } },
      { name: "down", targets: [{ address: down.address }] },
      { name: "mixed", targets: [{ address: bad.address }, { address: good.address }] },
    ],
    routes: [
      { name: "courses", path: "/courses", service: "courses", fallback: { status: 503, body: '{"fallback":true}' } },
      { name: "flaky", path: "/flaky", service: "flaky", stripPrefix: true, retries: { attempts: 0 }, fallback: { status: 503, body: '{"degraded":true}', lastGood: true } },
      { name: "budgeted", path: "/budgeted", service: "down", retries: retryOn503 },
      { name: "unbudgeted", path: "/unbudgeted", service: "down", retries: { ...retryOn503, budgetPercent: 100, minRetryConcurrency: 1000 } },
      { name: "mixed", path: "/mixed", service: "mixed", retries: { attempts: 1, statuses: [503] } },
    ],
  });
  const { version } = await publishDraft(db, { author: "test" });
  // One worker: breaker and budget state are per worker, and one makes the counts exact.
  gateway = await startGateway({ databaseUrl: database.url, workers: 1 });
  await gateway.waitForVersion(version, 1);
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([a, b, flaky, down, bad, good].map((u) => u?.close()));
  await db?.$disconnect();
  await database?.close();
});

interface Answer {
  status: number;
  upstream: string | null;
  fallback: string | null;
  body: string;
}

async function get(path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${gateway.url}${path}`, init);
  return { status: res.status, upstream: res.headers.get("x-upstream"), fallback: res.headers.get("x-bulwark-fallback"), body: await res.text() };
}

/** `total` requests, `concurrency` at a time. */
async function drive(total: number, concurrency: number, one: (i: number) => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) answers.push(await one(next++));
    }),
  );
  return answers;
}

const pids = async () => (await gateway.status()).workers.map((w) => w.pid).sort();

describe("a target dies during continuous traffic", () => {
  it("only successes and fallbacks reach the client, no worker exits, and traffic returns with the target", async () => {
    const before = await pids();
    const answers: Answer[] = [];
    let stop = false;
    const loops = Array.from({ length: 4 }, async () => {
      while (!stop) answers.push(await get("/courses/list"));
    });
    await eventually(() => answers.length > 200, "traffic to flow");
    await b.close(); // the instance dies: open connections are reset, new ones refused
    const killedAt = answers.length;
    await eventually(() => answers.length > killedAt + 300, "traffic after the kill");
    b.server.listen(b.port, "127.0.0.1"); // and comes back on the same address
    const backAt = answers.length;
    await eventually(() => answers.slice(backAt).some((x) => x.upstream === "b"), "traffic back on b", 30_000);
    stop = true;
    await Promise.all(loops);

    const bad = answers.filter((x) => x.status !== 200 && x.fallback === null);
    expect(bad, JSON.stringify(bad.slice(0, 3))).toEqual([]);
    expect(answers.slice(killedAt + 50, backAt).every((x) => x.upstream === "a" || x.fallback !== null)).toBe(true);
    expect(await pids()).toEqual(before);
  });
});

describe("circuit breaker and fallbacks", () => {
  it("opens on failures, answers the last good response or the static fallback, half-opens and closes again", async () => {
    const kept = await get("/flaky/item-1");
    expect(kept).toMatchObject({ status: 200, upstream: "flaky", fallback: null });

    mode.flakyFails = true;
    // Upstream answers pass through until the window holds minimumCalls (5) calls: 1 good + 4 failed = 80% >= 50%.
    for (let i = 0; i < 4; i++) expect(await get("/flaky/item-2")).toMatchObject({ status: 500, upstream: "flaky", fallback: null });
    const seenWhileClosed = flaky.requests.length;

    // Open: the upstream is spared, GETs get the last good copy where one was kept, else the static fallback.
    const lastGood = await get("/flaky/item-1");
    expect(lastGood).toMatchObject({ status: 200, fallback: "last-good", body: kept.body });
    const staticOne = await get("/flaky/item-3");
    expect(staticOne).toMatchObject({ status: 503, fallback: "static", body: '{"degraded":true}' });
    expect(flaky.requests.length).toBe(seenWhileClosed);
    const breakers = async () => ((await gateway.status()).workers[0] as unknown as { breakers: Record<string, string> }).breakers;
    await eventually(async () => (await breakers()).flaky === "open", "/status to show the open breaker");

    // After openMs, probes go through; two good ones close it.
    mode.flakyFails = false;
    await new Promise((r) => setTimeout(r, 1600));
    expect(await get("/flaky/item-4")).toMatchObject({ status: 200, fallback: null });
    expect(await get("/flaky/item-5")).toMatchObject({ status: 200, fallback: null });
    const after = await drive(10, 1, (i) => get(`/flaky/after-${i}`));
    expect(after.every((x) => x.status === 200 && x.upstream === "flaky")).toBe(true);
    expect(flaky.requests.length).toBe(seenWhileClosed + 12);
    await eventually(async () => (await breakers()).flaky === undefined, "/status to show the breaker closed");
  });

  it("reopens when a half-open probe fails", async () => {
    mode.flakyFails = true;
    // The window still holds the good calls that closed it: failures must outweigh them first.
    let failures = 0;
    while (failures < 40 && (await get("/flaky/again")).fallback === null) failures++;
    expect(failures).toBeGreaterThanOrEqual(10);
    expect(failures).toBeLessThan(40);
    await new Promise((r) => setTimeout(r, 1600));
    expect((await get("/flaky/probe")).status).toBe(500); // the probe reaches the upstream and fails
    const count = flaky.requests.length;
    expect((await get("/flaky/probe")).fallback).toBe("static");
    expect(flaky.requests.length).toBe(count);
    mode.flakyFails = false;
  });
});

describe("retries", () => {
  it("retry a retryable status on another target, but never a POST", async () => {
    const gets = await drive(40, 2, () => get("/mixed/x")); // within minRetryConcurrency (3), so no retry is refused
    expect(gets.filter((x) => x.status !== 200 || x.upstream !== "good")).toEqual([]);
    expect(bad.requests.length).toBeGreaterThan(5); // half the first attempts went there and were retried elsewhere

    const badBefore = bad.requests.length;
    const posts = await drive(20, 1, () => get("/mixed/x", { method: "POST" }));
    const failed = posts.filter((x) => x.status === 503).length;
    expect(failed).toBeGreaterThan(0);
    expect(bad.requests.length - badBefore).toBe(failed); // each reached the bad target once, not retried
  });

  it("stay within the retry budget when the upstream answers 503 to everything", async () => {
    const measure = async (path: string) => {
      const before = down.requests.length;
      const answers = await drive(400, 40, () => get(path));
      // The upstream's own answers, every one.
      expect(answers.filter((x) => x.status !== 503 || x.upstream !== "down").map((x) => `${x.status} ${x.body}`)).toEqual([]);
      return (down.requests.length - before) / answers.length;
    };
    // Without a budget every request is tried four times. With Envoy's budget (retries in flight at most 20% of
    // requests in flight) it is barely more than once: the budget bounds concurrency, not the ratio, so the ratio
    // moves a little with timing (1.21 to 1.25 measured here, so a bound of 1.25 failed now and then); a budget that did not hold would be near 4.
    expect(await measure("/unbudgeted/x")).toBe(4);
    expect(await measure("/budgeted/x")).toBeLessThanOrEqual(1.35);
  });
});
