import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, getFreePort, type TestDatabase } from "@bulwark/db/test-database";
import { eventually, startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

// Needs the redis-server binary (the CI machine has it); the test runs its own on a free port so it
// can kill it mid-test without touching anyone else's Redis.
const hasRedisServer = spawnSync("sh", ["-c", "command -v redis-server"]).status === 0;

let database: TestDatabase;
let db: Db;
let gateway: Gateway;
let echo: Upstream;
let redis: ChildProcess;
let redisPort = 0;

beforeAll(async () => {
  if (!hasRedisServer) return;
  const port = (redisPort = await getFreePort());
  redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  await eventually(
    () =>
      spawnSync("redis-cli", ["-p", String(port), "ping"])
        .stdout?.toString()
        .includes("PONG") ?? false,
    "redis to start",
  );
  database = await createTestDatabase();
  db = createDb(database.url);
  echo = await startUpstream("echo");
  await replaceDraft(db, {
    services: [{ name: "echo", targets: [{ address: echo.address }] }],
    routes: [{ name: "exams", path: "/exams", service: "echo", rateLimit: { requests: 200, windowMs: 3_600_000 } }],
  });
  const { version } = await publishDraft(db, { author: "test" });
  gateway = await startGateway({ databaseUrl: database.url, workers: 2, env: { REDIS_URL: `redis://127.0.0.1:${port}`, GATEWAY_REDIS_TIMEOUT_MS: "2000" } });
  await gateway.waitForVersion(version, 2);
});

afterAll(async () => {
  redis?.kill("SIGKILL");
  await gateway?.stop();
  await echo?.close();
  await db?.$disconnect();
  await database?.close();
});

/** One request per connection, so both workers take a share of them. */
async function burst(total: number): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < total) {
        const res = await fetch(`${gateway.url}/exams/submit`, { headers: { connection: "close" } });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    }),
  );
  return statuses;
}

describe.runIf(hasRedisServer)("cluster-wide rate limit through Redis", () => {
  it("holds two workers together to the limit within 5%, and falls back to local limits without an error when Redis dies", async () => {
    const before = await gateway.status();
    // A Redis slower than GATEWAY_REDIS_TIMEOUT_MS is skipped for availability; the test gives a loaded machine room.
    const statuses = await burst(400);
    const allowed = statuses.filter((s) => s === 200).length;
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(Math.abs(allowed - 200)).toBeLessThanOrEqual(10);
    // The shared bucket lives in Redis, drained: the workers decided together, not each for its half.
    const tokens = spawnSync("redis-cli", ["-p", String(redisPort), "hget", "bulwark:rl:exams:", "tokens"])
      .stdout.toString()
      .trim();
    expect(Number(tokens)).toBeLessThan(1);

    redis.kill("SIGKILL");
    // Each worker now decides alone for its share (100 of 200), from fresh local buckets: no errors, still limited.
    const after = await burst(400);
    expect(after.every((s) => s === 200 || s === 429)).toBe(true);
    const allowedAfter = after.filter((s) => s === 200).length;
    expect(allowedAfter).toBeGreaterThan(0);
    expect(allowedAfter).toBeLessThanOrEqual(200 + 10);
    expect((await gateway.status()).workers.map((w) => w.pid).sort()).toEqual(before.workers.map((w) => w.pid).sort());
  });
});
