import { createServer, request, type Agent, type IncomingMessage, type RequestOptions, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UpstreamPool } from "./upstream-pool";

let server: Server;
let port: number;
let connections: Socket[];
let pool: UpstreamPool;
let hold: (() => void)[];

beforeEach(async () => {
  connections = [];
  hold = [];
  server = createServer((req, res) => {
    const answer = () => res.end(`${req.method} ${req.url}`);
    if (req.url === "/hold") hold.push(answer);
    else answer();
  });
  server.on("connection", (s: Socket) => connections.push(s));
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  pool?.destroy();
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

function get(path: string): Promise<{ status: number; body: string; reused: boolean }> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path, agent: pool as unknown as Agent, poolKey: `127.0.0.1:${port}` } as RequestOptions, (res: IncomingMessage) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => ok({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
    });
    req.on("error", fail);
    req.end();
  });
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("UpstreamPool", () => {
  it("keeps a connection alive and reuses it for the next request", async () => {
    pool = new UpstreamPool({ maxSockets: 10, idleMs: 10_000 });
    expect(await get("/a")).toEqual({ status: 200, body: "GET /a", reused: false });
    expect(await get("/b")).toEqual({ status: 200, body: "GET /b", reused: true });
    expect(await get("/c")).toMatchObject({ body: "GET /c", reused: true });
    expect(connections).toHaveLength(1);
    expect(pool.stats()[`127.0.0.1:${port}`]).toEqual({ open: 1, idle: 1, waiting: 0 });
  });

  it("opens at most maxSockets connections to an address and queues the other requests", async () => {
    pool = new UpstreamPool({ maxSockets: 2, idleMs: 10_000 });
    const answers = Array.from({ length: 5 }, (_, i) => get(i < 2 ? "/hold" : `/r${i}`));
    while (hold.length < 2) await tick(10);
    expect(pool.stats()[`127.0.0.1:${port}`]).toMatchObject({ open: 2, waiting: 3 });
    for (const answer of hold) answer();
    expect((await Promise.all(answers)).map((a) => a.body)).toEqual(["GET /hold", "GET /hold", "GET /r2", "GET /r3", "GET /r4"]);
    expect(connections).toHaveLength(2);
  });

  it("does not reuse a connection idle for longer than idleMs", async () => {
    pool = new UpstreamPool({ maxSockets: 10, idleMs: 100 });
    await get("/a");
    await tick(300);
    expect(await get("/b")).toMatchObject({ body: "GET /b", reused: false });
    expect(connections).toHaveLength(2);
    expect(connections[0].destroyed || connections[0].readableEnded).toBe(true);
  });

  it("lets a connection go a second before the keep-alive timeout the upstream announced", async () => {
    server.keepAliveTimeout = 3_000; // node announces "Keep-Alive: timeout=3": the pool keeps it 2 s
    pool = new UpstreamPool({ maxSockets: 10, idleMs: 10_000 });
    await get("/a");
    await tick(100);
    expect(await get("/b")).toMatchObject({ body: "GET /b", reused: true });
    await tick(2_300);
    expect(await get("/c")).toMatchObject({ body: "GET /c", reused: false });
    expect(connections).toHaveLength(2);
  });

  it("forgets a kept-alive connection that the upstream closed", async () => {
    pool = new UpstreamPool({ maxSockets: 10, idleMs: 10_000 });
    await get("/a");
    for (const s of connections) s.destroy();
    await tick(100);
    expect(await get("/b")).toMatchObject({ status: 200, body: "GET /b", reused: false });
    expect(pool.stats()[`127.0.0.1:${port}`]).toEqual({ open: 1, idle: 1, waiting: 0 });
  });

  it("takes back the connection of a request destroyed before it was sent, and gives its place to a waiting one", async () => {
    pool = new UpstreamPool({ maxSockets: 1, idleMs: 10_000 });
    const cancelled = request({ host: "127.0.0.1", port, path: "/never", agent: pool as unknown as Agent, poolKey: `127.0.0.1:${port}` } as RequestOptions);
    cancelled.on("error", () => {});
    const next = get("/next");
    cancelled.destroy();
    expect(await next).toMatchObject({ status: 200, body: "GET /next" });
    expect(pool.stats()[`127.0.0.1:${port}`]).toMatchObject({ open: 1, waiting: 0 });
  });
});
