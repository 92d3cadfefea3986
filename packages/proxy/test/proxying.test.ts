import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, getFreePort, type TestDatabase } from "@bulwark/db/test-database";
import { eventually, startBlackhole, startGateway, startUpstream, type Blackhole, type Gateway, type Upstream } from "./gateway-harness";

let database: TestDatabase;
let db: Db;
let gateway: Gateway;
let echo: Upstream;
let tricky: Upstream;
let blackhole: Blackhole;
let aborted = 0;

interface EchoBody {
  method: string;
  url: string;
  body: string;
  headers: Record<string, string | undefined>;
}
interface ErrorBody {
  error: { code: string; message: string };
}

// Both forwarding engines behind the Forwarder interface must behave the same; node:http is the default.
describe.each(["node", "http-proxy"])("with the %s forwarder", (engine) => {
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
    echo = await startUpstream("echo");
    tricky = await startUpstream("tricky", (req, res) => {
      if (req.url === "/slow") {
        res.on("close", () => aborted++);
        setTimeout(() => res.end("late"), 3_000).unref();
        return true;
      }
      if (req.url === "/die-mid-body") {
        res.writeHead(200, { "content-length": "1000" });
        res.write("partial");
        setTimeout(() => res.socket?.destroy(), 50);
        return true;
      }
      if (req.url === "/trickle") {
        res.writeHead(200, { "content-length": "1000" });
        res.write("first");
        const late = setTimeout(() => res.end("x".repeat(995)), 4_000);
        res.on("close", () => clearTimeout(late));
        return true;
      }
      if (req.url === "/trailer") {
        res.writeHead(200, { trailer: "x-checksum" });
        res.write("ok");
        res.addTrailers({ "x-checksum": "abc" });
        res.end();
        return true;
      }
      if (req.url === "/large") {
        // 8 MiB in 64 KiB writes, more than any socket buffer: the gateway must wait for the client to drain.
        const block = Buffer.alloc(64 * 1024, "abcdefgh");
        res.writeHead(200, { "content-type": "application/octet-stream" });
        let left = 128;
        const more = () => {
          while (left > 0) {
            left--;
            if (!res.write(block)) return void res.once("drain", more);
          }
          res.end();
        };
        more();
        return true;
      }
      if (req.url === "/cookies") {
        res.writeHead(
          200,
          [
            ["Set-Cookie", "a=1"],
            ["Set-Cookie", "b=2"],
            ["X-Request-Id", "upstream-own"],
            ["Content-Type", "text/plain"],
          ].flat(),
        );
        res.end("ok");
        return true;
      }
      if (req.url === "/hop") {
        res.writeHead(200, { connection: "x-secret", "x-secret": "1", "keep-alive": "timeout=5", "x-kept": "yes" });
        res.end("ok");
        return true;
      }
      return false;
    });
    blackhole = await startBlackhole();
    const closedPort = await getFreePort();
    await replaceDraft(db, {
      services: [
        { name: "echo", targets: [{ address: echo.address }] },
        { name: "tricky", targets: [{ address: tricky.address }] },
        { name: "closed", targets: [{ address: `127.0.0.1:${closedPort}` }] },
        { name: "blackhole", targets: [{ address: blackhole.address }] },
      ],
      routes: [
        { name: "echo", path: "/echo", service: "echo", stripPrefix: true },
        { name: "tricky", path: "/tricky", service: "tricky", stripPrefix: true, timeouts: { connectMs: 1000, responseHeaderMs: 1000, totalMs: 5000 } },
        { name: "closed", path: "/closed", service: "closed" },
        { name: "limited", path: "/limited", service: "echo", stripPrefix: true, maxBodyBytes: 100 },
        { name: "blackhole", path: "/blackhole", service: "blackhole", retries: { attempts: 0 }, timeouts: { connectMs: 300, responseHeaderMs: 5000, totalMs: 10000 } },
        { name: "trickle", path: "/trickle", service: "tricky", timeouts: { connectMs: 1000, responseHeaderMs: 1000, totalMs: 1500 } },
      ],
    });
    const { version } = await publishDraft(db, { author: "test" });
    gateway = await startGateway({
      databaseUrl: database.url,
      workers: 2,
      env: { GATEWAY_TRUSTED_PROXIES: "10.0.0.1", GATEWAY_HEADERS_TIMEOUT_MS: "1000", GATEWAY_MAX_HEADERS: "50", GATEWAY_FORWARDER: engine },
    });
    await gateway.waitForVersion(version);
  });

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([echo?.close(), tricky?.close(), blackhole?.close()]);
    await db?.$disconnect();
    await database?.close();
  });

  /** Sends raw bytes and returns whatever comes back before the socket closes (or the wait ends). */
  function raw(request: string, waitMs = 3000): Promise<string> {
    const { port } = new URL(gateway.url);
    return new Promise((ok) => {
      const socket = connect(Number(port), "127.0.0.1");
      let data = "";
      socket.on("data", (c) => (data += c.toString("latin1")));
      socket.on("error", () => ok(data));
      socket.on("close", () => ok(data));
      socket.setTimeout(waitMs, () => {
        socket.destroy();
        ok(data);
      });
      socket.write(request);
    });
  }

  describe("forwarding", () => {
    it("streams method, path, query and body through, and sets forwarding headers itself", async () => {
      const res = await fetch(`${gateway.url}/echo/courses/cs101?tab=reviews&x=%20y`, {
        method: "PATCH",
        body: JSON.stringify({ seats: 301 }),
        headers: { "content-type": "application/json", "x-forwarded-for": "6.6.6.6", "x-forwarded-proto": "https" },
      });
      expect(res.status).toBe(200);
      const seen = (await res.json()) as EchoBody;
      expect(seen).toMatchObject({ method: "PATCH", url: "/courses/cs101?tab=reviews&x=%20y", body: '{"seats":301}' });
      expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
      expect(seen.headers["x-forwarded-proto"]).toBe("http");
      expect(seen.headers["x-forwarded-host"]).toBe(new URL(gateway.url).host);
      expect(seen.headers.host).toBe(new URL(gateway.url).host);
      expect(seen.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get("x-request-id")).toBe(seen.headers["x-request-id"]);
      expect(seen.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    });

    it("passes a client's request id and trace context on", async () => {
      const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
      const res = await fetch(`${gateway.url}/echo/x`, { headers: { "x-request-id": "abc-123", traceparent } });
      const seen = (await res.json()) as EchoBody;
      expect(seen.headers["x-request-id"]).toBe("abc-123");
      // Same trace, same sampling decision; the parent is now the gateway's own span.
      expect(seen.headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
      expect(seen.headers.traceparent).not.toBe(traceparent);
    });

    it("strips hop-by-hop headers both ways, including the ones Connection names", async () => {
      const answer = await raw(
        "GET /echo/x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, x-hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: secret\r\nX-End: 1\r\n\r\n",
        1500,
      );
      const seen = JSON.parse(
        answer
          .slice(answer.indexOf("\r\n\r\n") + 4)
          .replace(/^[0-9a-f]+\r\n/, "")
          .replace(/\r\n0\r\n\r\n$/, ""),
      );
      for (const h of ["x-hop", "keep-alive", "te", "proxy-authorization"]) expect(seen.headers[h]).toBeUndefined();
      expect(seen.headers["x-end"]).toBe("1");
      const res = await fetch(`${gateway.url}/tricky/hop`);
      expect(res.headers.get("x-secret")).toBeNull();
      expect(res.headers.get("x-kept")).toBe("yes");
    });

    it("forwards a chunked body framed as chunked whatever the method, so the upstream reads it as one request", async () => {
      for (const method of ["GET", "DELETE", "POST"]) {
        const answer = await raw(`${method} /echo/chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`);
        expect(answer, method).toMatch(/^HTTP\/1\.1 200/);
        const seen = JSON.parse(
          answer
            .slice(answer.indexOf("\r\n\r\n") + 4)
            .replace(/^[0-9a-f]+\r\n/, "")
            .replace(/\r\n0\r\n\r\n$/, ""),
        ) as EchoBody;
        expect(seen, method).toMatchObject({ method, url: "/chunked", body: "hello world" });
        expect(seen.headers["transfer-encoding"], method).toBe("chunked");
      }
      // The upstream connections those requests used are still in step: the next request gets its own answer.
      for (let i = 0; i < 4; i++) expect(((await (await fetch(`${gateway.url}/echo/after-${i}`)).json()) as EchoBody).url).toBe(`/after-${i}`);
    });

    it("passes a body under the route's limit whole, and refuses one over it with 413", async () => {
      const chunked = await raw("POST /limited/in HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
      expect(chunked).toMatch(/^HTTP\/1\.1 200/);
      const seen = JSON.parse(
        chunked
          .slice(chunked.indexOf("\r\n\r\n") + 4)
          .replace(/^[0-9a-f]+\r\n/, "")
          .replace(/\r\n0\r\n\r\n$/, ""),
      ) as EchoBody;
      expect(seen.body).toBe("hello world");
      const sized = await fetch(`${gateway.url}/limited/in`, { method: "POST", body: "x".repeat(100) });
      expect(((await sized.json()) as EchoBody).body).toBe("x".repeat(100));
      const over = await fetch(`${gateway.url}/limited/in`, { method: "POST", body: "x".repeat(101) });
      expect(over.status).toBe(413);
      expect(((await over.json()) as ErrorBody).error.code).toBe("PAYLOAD_TOO_LARGE");
    });

    it("sends a body-less POST with Content-Length: 0", async () => {
      const answer = await raw("POST /echo/empty HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      const seen = JSON.parse(
        answer
          .slice(answer.indexOf("\r\n\r\n") + 4)
          .replace(/^[0-9a-f]+\r\n/, "")
          .replace(/\r\n0\r\n\r\n$/, ""),
      ) as EchoBody;
      expect(seen).toMatchObject({ method: "POST", body: "" });
      expect(seen.headers["content-length"]).toBe("0");
      expect(seen.headers["transfer-encoding"]).toBeUndefined();
    });

    it("streams a large answer whole to a client that reads slowly", async () => {
      const { port } = new URL(gateway.url);
      const received = await new Promise<Buffer>((ok, fail) => {
        const socket = connect(Number(port), "127.0.0.1");
        const chunks: Buffer[] = [];
        socket.on("data", (c: Buffer) => {
          chunks.push(c);
          // Read in fits and starts so the gateway's writes back up.
          socket.pause();
          setTimeout(() => socket.resume(), 1);
        });
        socket.on("close", () => ok(Buffer.concat(chunks)));
        socket.on("error", fail);
        socket.write("GET /tricky/large HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      });
      const text = received.toString("latin1");
      const headEnd = text.indexOf("\r\n\r\n");
      expect(text.slice(0, headEnd)).toMatch(/^HTTP\/1\.1 200/);
      // Chunked on the way out (no Content-Length upstream): undo the framing, then check every byte.
      let body = text.slice(headEnd + 4);
      let decoded = "";
      for (;;) {
        const eol = body.indexOf("\r\n");
        const size = parseInt(body.slice(0, eol), 16);
        if (size === 0) break;
        decoded += body.slice(eol + 2, eol + 2 + size);
        body = body.slice(eol + 2 + size + 2);
      }
      expect(decoded.length).toBe(8 * 1024 * 1024);
      expect(decoded).toBe("abcdefgh".repeat(1024 * 1024));
    });

    it("passes repeated response headers through and answers with the gateway's request id", async () => {
      const res = await fetch(`${gateway.url}/tricky/cookies`, { headers: { "x-request-id": "client-chosen" } });
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
      expect(res.headers.get("x-request-id")).toBe("client-chosen");
      expect(res.headers.get("content-type")).toBe("text/plain");
    });

    it("survives Trailer headers in requests and responses", async () => {
      const answer = await raw("POST /echo/t HTTP/1.1\r\nHost: a\r\nTrailer: x-sum\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      const res = await fetch(`${gateway.url}/tricky/trailer`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("ok");
      expect((await fetch(`${gateway.url}/echo/after`)).status).toBe(200);
    });
  });

  describe("failures", () => {
    it("answers 404 JSON for an unknown route and 400 for a path that escapes the root", async () => {
      const res = await fetch(`${gateway.url}/nowhere`);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: "ROUTE_NOT_FOUND" });
      expect(await raw("GET /echo/../../etc/passwd HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")).toMatch(/^HTTP\/1\.1 400[\s\S]*BAD_REQUEST/);
      expect(echo.requests.some((r) => r.url.includes("passwd"))).toBe(false);
    });

    it("answers 502 UPSTREAM_CONNECTION_REFUSED when the upstream refuses", async () => {
      const res = await fetch(`${gateway.url}/closed/x`);
      expect(res.status).toBe(502);
      expect(((await res.json()) as ErrorBody).error.code).toBe("UPSTREAM_CONNECTION_REFUSED");
    });

    it("answers 504 UPSTREAM_TIMEOUT when response headers do not come in time", async () => {
      const res = await fetch(`${gateway.url}/tricky/slow`);
      expect(res.status).toBe(504);
      expect(((await res.json()) as ErrorBody).error.code).toBe("UPSTREAM_TIMEOUT");
    });

    it("closes the client connection when the upstream dies mid-body", async () => {
      const answer = await raw("GET /tricky/die-mid-body HTTP/1.1\r\nHost: a\r\n\r\n", 5000);
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      expect(answer.endsWith("partial")).toBe(true); // the socket closed: no hang, no invented rest of body
    });

    it("answers 504 UPSTREAM_CONNECT_TIMEOUT when the upstream does not accept the connection in time", async () => {
      const started = Date.now();
      const res = await fetch(`${gateway.url}/blackhole/x`);
      expect(res.status).toBe(504);
      expect(((await res.json()) as ErrorBody).error.code).toBe("UPSTREAM_CONNECT_TIMEOUT");
      expect(Date.now() - started).toBeLessThan(4_000); // the connect timeout, not the 5 s header timeout
    });

    it("closes the connection when the total timeout passes mid-body", async () => {
      const started = Date.now();
      const answer = await raw("GET /trickle HTTP/1.1\r\nHost: a\r\n\r\n", 8000);
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      expect(answer.endsWith("first")).toBe(true);
      expect(Date.now() - started).toBeLessThan(3_900); // cut at the 1.5 s total, before the upstream's 4 s
    });

    it("cancels the upstream request when the client goes away", async () => {
      const before = aborted;
      const controller = new AbortController();
      const pending = fetch(`${gateway.url}/tricky/slow`, { signal: controller.signal }).catch(() => null);
      await eventually(() => tricky.requests.filter((r) => r.url === "/slow").length >= 2, "the slow request to reach the upstream");
      controller.abort();
      await pending;
      await eventually(() => aborted > before, "the upstream request to be cancelled");
    });

    it("lives through malformed requests", async () => {
      expect(await raw("GET /echo/x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")).toMatch(/^HTTP\/1\.1 400/);
      expect(await raw("GARBAGE\r\n\r\n")).toMatch(/^HTTP\/1\.1 400/);
      expect(await raw(`GET /echo/x HTTP/1.1\r\nHost: a\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/);
      const many = Array.from({ length: 60 }, (_, i) => `X-H${i}: ${i}\r\n`).join("");
      expect(await raw(`GET /echo/many HTTP/1.1\r\nHost: a\r\n${many}\r\n`)).toMatch(/^HTTP\/1\.1 431[\s\S]*HEADERS_TOO_LARGE/);
      expect(await raw("GET /echo/two-hosts HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")).toMatch(/^HTTP\/1\.1 400[\s\S]*BAD_REQUEST/);
      expect(await raw("GET /echo/slow HTTP/1.1\r\nHost: a\r\nX-Slow: 1\r\n", 8000)).toMatch(/^HTTP\/1\.1 408/);
      expect(echo.requests.some((r) => ["/many", "/two-hosts", "/slow"].includes(r.url))).toBe(false);
      const s = await gateway.status();
      expect(s.workers).toHaveLength(2);
      expect(gateway.process.exitCode).toBeNull();
      expect((await fetch(`${gateway.url}/echo/still-alive`)).status).toBe(200);
    });
  });
});
