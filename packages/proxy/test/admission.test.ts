import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

let database: TestDatabase;
let db: Db;
let gateway: Gateway;
let echo: Upstream;
let v1: Upstream;
let v2: Upstream;
let slow: Upstream;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  echo = await startUpstream("echo");
  v1 = await startUpstream("v1");
  v2 = await startUpstream("v2");
  slow = await startUpstream("slow", (_req, res) => {
    setTimeout(() => res.writeHead(200, { "x-upstream": "slow" }).end("ok"), 600);
    return true;
  });
  await replaceDraft(db, {
    services: [
      { name: "echo", targets: [{ address: echo.address }] },
      { name: "v1", targets: [{ address: v1.address }] },
      { name: "v2", targets: [{ address: v2.address }] },
      { name: "slow", targets: [{ address: slow.address }] },
    ],
    routes: [
      { name: "limited", path: "/limited", service: "echo", rateLimit: { requests: 10, windowMs: 60_000, by: "header", header: "x-api-key" } },
      { name: "per-ip", path: "/per-ip", service: "echo", rateLimit: { requests: 3, windowMs: 60_000, by: "ip" } },
      { name: "catalog", path: "/catalog", service: "slow", priority: "low" },
      { name: "exams", path: "/exams", service: "slow", priority: "critical" },
      { name: "canary", path: "/canary", service: "v1", split: { service: "v2", percent: 30, header: { name: "x-canary", value: "1" } } },
      { name: "abort", path: "/abort", service: "echo", faults: { abort: { percent: 100, status: 418 } } },
      { name: "half-abort", path: "/half-abort", service: "echo", faults: { abort: { percent: 50, status: 503 } } },
      { name: "delay", path: "/delay", service: "echo", faults: { delay: { percent: 100, ms: 300 } } },
      { name: "upload", path: "/upload", service: "echo", maxBodyBytes: 1000 },
    ],
  });
  const { version } = await publishDraft(db, { author: "test" });
  // One worker: its local limits are the whole limit, and its in-flight count is the one that sheds.
  // REDIS_URL is cleared so the limits are local even where the suite runs with a Redis.
  gateway = await startGateway({ databaseUrl: database.url, workers: 1, env: { REDIS_URL: "", GATEWAY_MAX_IN_FLIGHT: "20" } });
  await gateway.waitForVersion(version, 1);
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([echo, v1, v2, slow].map((u) => u?.close()));
  await db?.$disconnect();
  await database?.close();
});

const send = (path: string, headers: Record<string, string> = {}) => fetch(`${gateway.url}${path}`, { headers });
/** `total` calls, 8 at a time: under the shedding threshold of normal routes (16 in flight). */
async function drive<T>(total: number, one: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < total) out.push(await one());
    }),
  );
  return out;
}
const codeOf = async (res: Response) => ((await res.json()) as { error?: { code: string } }).error?.code;

describe("rate limits", () => {
  it("give each API key its own bucket and answer 429 with Retry-After and RateLimit headers", async () => {
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 15; i++) {
      last = await send("/limited/x", { "x-api-key": "key-a" });
      statuses.push(last.status);
      if (i < 14) await last.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429, 429]);
    expect(last!.headers.get("ratelimit-limit")).toBe("10");
    expect(last!.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await codeOf(last!)).toBe("RATE_LIMITED");
    const other = await send("/limited/x", { "x-api-key": "key-b" });
    expect(other.status).toBe(200);
    expect(other.headers.get("ratelimit-remaining")).toBe("9");
  });

  it("count by the real client address, not a forged X-Forwarded-For", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await send("/per-ip/x", { "x-forwarded-for": `10.0.0.${i}` });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });
});

describe("priority load shedding", () => {
  it("sheds low-priority routes first while the critical route keeps answering", async () => {
    const catalog = Array.from({ length: 30 }, () =>
      send("/catalog/courses").then(async (r) => ({ status: r.status, retryAfter: r.headers.get("retry-after"), code: r.status === 200 ? null : await codeOf(r) })),
    );
    await new Promise((r) => setTimeout(r, 200)); // the admitted catalog requests are now waiting on the slow upstream
    const exams = await Promise.all(Array.from({ length: 8 }, () => send("/exams/submit").then((r) => r.status)));
    const catalogAnswers = await Promise.all(catalog);
    expect(exams).toEqual(Array(8).fill(200));
    const shed = catalogAnswers.filter((a) => a.status === 503);
    expect(shed.length).toBeGreaterThanOrEqual(10);
    expect(shed.every((a) => a.code === "LOAD_SHED" && a.retryAfter === "1")).toBe(true);
    expect(catalogAnswers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(5);
  });
});

describe("traffic splitting", () => {
  it("sends the configured share to the canary service, and every request with the canary header", async () => {
    const upstreams = await drive(400, async () => (await send("/canary/x")).headers.get("x-upstream"));
    const share = upstreams.filter((u) => u === "v2").length / upstreams.length;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.4);
    expect(upstreams.every((u) => u === "v1" || u === "v2")).toBe(true);
    const flagged = await drive(20, async () => (await send("/canary/x", { "x-canary": "1" })).headers.get("x-upstream"));
    expect(new Set(flagged)).toEqual(new Set(["v2"]));
  });
});

describe("fault injection", () => {
  it("aborts the configured share with the configured status, never reaching the upstream", async () => {
    const before = echo.requests.length;
    const res = await send("/abort/x");
    expect(res.status).toBe(418);
    expect(res.headers.get("x-bulwark-fault")).toBe("abort");
    expect(await codeOf(res)).toBe("FAULT_INJECTED");
    const half = await drive(200, async () => (await send("/half-abort/x")).status);
    const aborted = half.filter((s) => s === 503).length;
    expect(aborted).toBeGreaterThan(60);
    expect(aborted).toBeLessThan(140);
    expect(echo.requests.length - before).toBe(200 - aborted);
  });

  it("delays the configured share", async () => {
    const t = performance.now();
    const res = await send("/delay/x");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-bulwark-fault")).toBe("delay");
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
  });
});

/** A POST with a streamed (chunked) body, so the gateway cannot know its length up front. */
function postChunked(path: string, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const url = new URL(path, gateway.url);
    const req = request({ host: url.hostname, port: url.port, path, method: "POST", headers: { "content-type": "text/plain" } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => ok({ status: res.statusCode ?? 0, body }));
      res.on("error", fail);
    });
    req.on("error", fail);
    let i = 0;
    const write = () => {
      if (i === chunks.length) return req.end();
      req.write(chunks[i++], () => setTimeout(write, 5));
    };
    write();
  });
}

describe("body size limit", () => {
  it("answers 413 to a declared or streamed body over the route's limit, and forwards one within it", async () => {
    const before = echo.requests.filter((r) => r.url.startsWith("/upload")).length;
    const declared = await fetch(`${gateway.url}/upload/big`, { method: "POST", body: "x".repeat(2000) });
    expect(declared.status).toBe(413);
    expect(await codeOf(declared)).toBe("PAYLOAD_TOO_LARGE");
    const streamed = await postChunked("/upload/streamed", Array(30).fill("y".repeat(100)));
    expect(streamed.status).toBe(413);
    expect(echo.requests.filter((r) => r.url.startsWith("/upload")).length).toBe(before); // the upstream got no whole body
    const small = await postChunked("/upload/small", Array(5).fill("z".repeat(100)));
    expect(small.status).toBe(200);
    expect(JSON.parse(small.body).body).toHaveLength(500);
  });
});
