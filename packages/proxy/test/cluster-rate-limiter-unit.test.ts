import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { getFreePort } from "@bulwark/db/test-database";
import { ClusterRateLimiter } from "../src/policies/cluster-rate-limiter";

const hasRedisServer = spawnSync("sh", ["-c", "command -v redis-server"]).status === 0;
const started: ChildProcess[] = [];
afterAll(() => started.forEach((c) => c.kill("SIGKILL")));

async function startRedis(): Promise<{ url: string; kill(): void }> {
  const port = await getFreePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  started.push(child);
  for (let i = 0; i < 100; i++) {
    if (
      spawnSync("redis-cli", ["-p", String(port), "ping"])
        .stdout?.toString()
        .includes("PONG")
    )
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, kill: () => child.kill("SIGKILL") };
}

async function ready(l: ClusterRateLimiter) {
  for (let i = 0; i < 100 && l.mode !== "cluster"; i++) await new Promise((r) => setTimeout(r, 20));
  expect(l.mode).toBe("cluster");
}

describe("local rate limiting", () => {
  it("gives each worker its share of the limit when there is no Redis", async () => {
    const t = 0;
    const l = new ClusterRateLimiter({ workerShare: 0.5, now: () => t });
    const results = await Promise.all(Array.from({ length: 60 }, () => l.take("route:exams", { limit: 100, windowMs: 60_000 })));
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
    expect(results[59]).toMatchObject({ allowed: false, source: "local", remaining: 0 });
    expect(results[59].retryAfterMs).toBeGreaterThan(0);
  });
});

// Needs the redis-server binary (CI machines have it); the test runs its own on a free port so it can kill it.
describe.runIf(hasRedisServer)("cluster-wide rate limiting through Redis", () => {
  it("holds two workers together to the limit, within 5%", async () => {
    const redis = await startRedis();
    const a = new ClusterRateLimiter({ redisUrl: redis.url, workerShare: 0.5, timeoutMs: 1000 });
    const b = new ClusterRateLimiter({ redisUrl: redis.url, workerShare: 0.5, timeoutMs: 1000 });
    await Promise.all([ready(a), ready(b)]);
    const limit = { limit: 200, windowMs: 3_600_000 }; // refill is negligible during the test
    const all = await Promise.all(Array.from({ length: 400 }, (_, i) => (i % 2 ? a : b).take("route:catalog", limit)));
    const allowed = all.filter((r) => r.allowed).length;
    expect(Math.abs(allowed - 200)).toBeLessThanOrEqual(10);
    expect(all.every((r) => r.source === "cluster")).toBe(true);
    await a.close();
    await b.close();
    redis.kill();
  });

  it("falls back to local limits without an error when Redis dies", async () => {
    const redis = await startRedis();
    const a = new ClusterRateLimiter({ redisUrl: redis.url, workerShare: 0.5, timeoutMs: 200 });
    await ready(a);
    expect((await a.take("k", { limit: 10, windowMs: 60_000 })).source).toBe("cluster");
    redis.kill();
    for (let i = 0; i < 100 && a.mode === "cluster"; i++) await new Promise((r) => setTimeout(r, 20));
    const after = await Promise.all(Array.from({ length: 10 }, () => a.take("k", { limit: 10, windowMs: 60_000 })));
    expect(after.every((r) => r.source === "local")).toBe(true);
    expect(after.filter((r) => r.allowed)).toHaveLength(5);
    await a.close();
  });
});
