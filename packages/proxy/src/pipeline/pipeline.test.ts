import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { GatewayConfigSchema, type GatewayConfigInput, type RouteInput } from "@bulwark/config/schema";
import { compileSnapshot } from "../config/compile-snapshot";
import { LoadMonitor } from "../policies/load-monitor";
import type { FinishedRequest } from "./compiled-route";
import { answer, clientBodyTimeout, FakeForwarder, refuse, resetAfterSend } from "./fake-forwarder";
import { createRuntime } from "./gateway-runtime";
import { createRequestHandler } from "./handle-request";

/** A response object that records what the pipeline wrote, with node's state flags. */
class FakeResponse {
  statusCode = 0;
  headers: Record<string, string | string[]> = {};
  body = "";
  headersSent = false;
  destroyed = false;
  writableFinished = false;
  setHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
  }
  writeHead(status: number, ...rest: unknown[]) {
    this.statusCode = status;
    const list = rest.find((r) => typeof r === "object" && r !== null) as string[] | Record<string, string> | undefined;
    if (Array.isArray(list)) for (let i = 0; i < list.length; i += 2) this.headers[list[i].toLowerCase()] = list[i + 1];
    else if (list) for (const [k, v] of Object.entries(list)) this.headers[k.toLowerCase()] = v;
    this.headersSent = true;
    return this;
  }
  end(chunk?: Buffer | string) {
    if (chunk !== undefined) this.body += chunk.toString();
    this.writableFinished = true;
  }
  destroy() {
    this.destroyed = true;
  }
  on() {
    return this;
  }
  once() {
    return this;
  }
  removeListener() {
    return this;
  }
}

function request(method: string, url: string, headers: Record<string, string> = {}, peer = "203.0.113.7") {
  const all = { host: "gw.test", ...headers };
  const rawHeaders = Object.entries(all).flat();
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) lower[k.toLowerCase()] = v;
  return { method, url, rawHeaders, headers: lower, httpVersionMajor: 1, socket: { remoteAddress: peer } } as unknown as IncomingMessage;
}

/** A gateway over a fake forwarder: a config, a deterministic clock and dice, and every finished request logged. */
function gateway(routes: RouteInput[], options: { services?: GatewayConfigInput["services"]; load?: LoadMonitor } = {}) {
  let now = 0;
  const runtime = createRuntime({ random: () => 0, now: () => now, load: options.load });
  const services = options.services ?? [{ name: "svc", targets: [{ address: "10.0.0.1:80" }, { address: "10.0.0.2:80" }] }];
  const config = GatewayConfigSchema.parse({ services, routes, consumers: [] });
  const snapshot = compileSnapshot(config, { version: 1, hash: "h" }, new Map(), runtime);
  const forwarder = new FakeForwarder();
  const logged: FinishedRequest[] = [];
  const handle = createRequestHandler({
    current: () => snapshot,
    forwarder,
    runtime,
    trustedProxies: new Set(),
    maxHeaderCount: 100,
    traceSampleRatio: 0,
    onFinish: (f) => logged.push(f),
    closeConnection: () => false,
  });
  const send = async (method: string, url: string, headers?: Record<string, string>) => {
    const res = new FakeResponse();
    handle(request(method, url, headers), res as unknown as ServerResponse);
    for (let i = 0; i < 20 && logged.length === 0; i++) await new Promise((ok) => setTimeout(ok, 1));
    const finished = logged.shift();
    return { res, finished, body: res.headers["content-type"] === "application/json" ? (JSON.parse(res.body) as { error?: { code: string } }) : null };
  };
  return { forwarder, send, logged, advance: (ms: number) => (now += ms) };
}

const route = (extra: Partial<RouteInput> = {}): RouteInput => ({ name: "r", path: "/r", service: "svc", ...extra });

describe("forward phase", () => {
  it("retries a refused connection on the other target and answers from it", async () => {
    const gw = gateway([route()]);
    gw.forwarder.then(refuse, answer(200, "second"));
    const { res, finished } = await gw.send("GET", "/r/x");
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("second");
    expect(gw.forwarder.attempts.map((a) => a.target)).toEqual(["10.0.0.1:80", "10.0.0.2:80"]);
    expect(finished!.attempt).toBe(1);
    expect(finished!.tries.map((t) => t.errorCode)).toEqual(["UPSTREAM_CONNECTION_REFUSED", null]);
  });

  it("drops an answer whose status the route retries on, and relays the next one", async () => {
    const gw = gateway([route({ retries: { statuses: [503] } })]);
    gw.forwarder.then(answer(503, "busy"), answer(200, "fine"));
    const { res } = await gw.send("GET", "/r");
    expect(res.body).toBe("fine");
    expect(gw.forwarder.attempts).toHaveLength(2);
  });

  it("gives up after the route's attempts and answers the last error as JSON", async () => {
    const gw = gateway([route({ retries: { attempts: 1 } })]);
    gw.forwarder.then(refuse, refuse, answer(200));
    const { res, body, finished } = await gw.send("GET", "/r");
    expect(res.statusCode).toBe(502);
    expect(body!.error!.code).toBe("UPSTREAM_CONNECTION_REFUSED");
    expect(gw.forwarder.attempts).toHaveLength(2);
    expect(finished!.outcome).toBe("proxied");
  });

  it("does not retry a method the route does not retry", async () => {
    const gw = gateway([route({ retries: { methods: ["GET"] } })]);
    gw.forwarder.then(resetAfterSend, answer(200));
    const { res } = await gw.send("DELETE", "/r");
    expect(res.statusCode).toBe(502);
    expect(gw.forwarder.attempts).toHaveLength(1);
  });

  it("opens the service's breaker after failures and then answers CIRCUIT_OPEN without asking the upstream", async () => {
    const gw = gateway([route({ retries: { attempts: 0 } })], {
      services: [{ name: "svc", targets: [{ address: "10.0.0.1:80" }], circuitBreaker: { minimumCalls: 4, failureRatePercent: 50, openMs: 1_000 } }],
    });
    for (let i = 0; i < 4; i++) {
      gw.forwarder.then(answer(500, "no"));
      expect((await gw.send("GET", "/r")).res.statusCode).toBe(500);
    }
    const open = await gw.send("GET", "/r");
    expect(open.res.statusCode).toBe(503);
    expect(open.body!.error!.code).toBe("CIRCUIT_OPEN");
    expect(gw.forwarder.attempts).toHaveLength(4);
    gw.advance(1_000); // half-open: one probe goes through, succeeds, and closes it
    const probe = await gw.send("GET", "/r");
    expect(probe.res.statusCode).toBe(200);
    expect(gw.forwarder.attempts).toHaveLength(5);
  });
});

describe("respond phase", () => {
  const fallback = { status: 503, body: '{"fallback":true}', lastGood: true };

  it("serves the last good answer to a GET of the same URL when the service cannot answer, and the static one otherwise", async () => {
    const gw = gateway([route({ fallback, retries: { attempts: 0 } })]);
    gw.forwarder.then(answer(200, "grades v1", { "content-type": "text/plain" }));
    expect((await gw.send("GET", "/r/grades")).res.body).toBe("grades v1");
    gw.forwarder.then(refuse, refuse);
    const kept = await gw.send("GET", "/r/grades");
    expect(kept.res.statusCode).toBe(200);
    expect(kept.res.body).toBe("grades v1");
    expect(kept.res.headers["x-bulwark-fallback"]).toBe("last-good");
    expect(kept.finished!.outcome).toBe("fallback");
    expect(kept.finished!.errorCode).toBe("UPSTREAM_CONNECTION_REFUSED");
    const other = await gw.send("GET", "/r/other");
    expect(other.res.statusCode).toBe(503);
    expect(other.res.headers["x-bulwark-fallback"]).toBe("static");
    expect(other.res.body).toBe('{"fallback":true}');
  });

  it("keeps no answer that was not a 200 to a GET", async () => {
    const gw = gateway([route({ fallback, retries: { attempts: 0 } })]);
    gw.forwarder.then(answer(404, "nope"));
    await gw.send("GET", "/r/a");
    gw.forwarder.then(refuse);
    expect((await gw.send("GET", "/r/a")).res.headers["x-bulwark-fallback"]).toBe("static");
  });

  it("does not answer the gateway's own refusals with the fallback", async () => {
    const gw = gateway([route({ fallback, maxBodyBytes: 10 })]);
    const { res, body } = await gw.send("POST", "/r", { "content-length": "11" });
    expect(res.statusCode).toBe(413);
    expect(body!.error!.code).toBe("PAYLOAD_TOO_LARGE");
    expect(res.headers.connection).toBe("close");
    expect(gw.forwarder.attempts).toHaveLength(0);
  });
});

describe("admit phase", () => {
  it("sheds before anything else runs, authentication included", async () => {
    const load = new LoadMonitor({ maxInFlight: 10, maxLagMs: 250 });
    load.inFlight = 100;
    const gw = gateway([route({ auth: { apiKey: { header: "x-api-key" } } })], { load });
    const { res, body } = await gw.send("GET", "/r");
    expect(res.statusCode).toBe(503);
    expect(body!.error!.code).toBe("LOAD_SHED");
    expect(res.headers["retry-after"]).toBe("1");
  });

  it("refuses a denied address and an over-limit client before forwarding, with the limit's headers", async () => {
    const denied = gateway([route({ ipDeny: ["203.0.113.0/24"] })]);
    expect((await denied.send("GET", "/r")).body!.error!.code).toBe("IP_FORBIDDEN");
    expect(denied.forwarder.attempts).toHaveLength(0);

    const limited = gateway([route({ rateLimit: { requests: 1, windowMs: 60_000 } })]);
    const first = await limited.send("GET", "/r");
    expect(first.res.statusCode).toBe(200);
    expect(first.res.headers["ratelimit-remaining"]).toBe("0");
    const second = await limited.send("GET", "/r");
    expect(second.res.statusCode).toBe(429);
    expect(second.res.headers["ratelimit-limit"]).toBe("1");
    expect(second.finished!.outcome).toBe("rate_limited");
    expect(limited.forwarder.attempts).toHaveLength(1);
  });
});

describe("route phase", () => {
  it("sends a request with the split header to the split service", async () => {
    const gw = gateway([route({ split: { service: "canary", percent: 0, header: { name: "x-canary", value: "1" } } })], {
      services: [
        { name: "svc", targets: [{ address: "10.0.0.1:80" }] },
        { name: "canary", targets: [{ address: "10.0.0.9:80" }] },
      ],
    });
    await gw.send("GET", "/r", { "x-canary": "1" });
    await gw.send("GET", "/r");
    expect(gw.forwarder.attempts.map((a) => a.target)).toEqual(["10.0.0.9:80", "10.0.0.1:80"]);
    expect(gw.logged).toHaveLength(0);
  });
});

describe("log phase", () => {
  it("runs exactly once for every outcome, refused before routing included", async () => {
    const gw = gateway([route({ retries: { attempts: 0 } })]);
    const seen: string[] = [];
    const record = async (method: string, url: string) => {
      const { finished } = await gw.send(method, url);
      seen.push(`${finished!.status} ${finished!.routeName} ${finished!.errorCode}`);
    };
    await record("GET", "/nowhere");
    gw.forwarder.then(refuse);
    await record("GET", "/r");
    await record("GET", "/r");
    await new Promise((ok) => setTimeout(ok, 5));
    expect(seen).toEqual(["404 null ROUTE_NOT_FOUND", "502 r UPSTREAM_CONNECTION_REFUSED", "200 r null"]);
    expect(gw.logged).toHaveLength(0);
  });
});

describe("forward phase: which failures are retried, and whose they are", () => {
  const post = { "content-type": "text/plain", "content-length": "5" };

  it("retries a POST with a body whose connection was refused, since nothing of it was sent", async () => {
    const gw = gateway([route()]);
    gw.forwarder.then(refuse, answer(201, "made"));
    const { res, finished } = await gw.send("POST", "/r", post);
    expect(res.statusCode).toBe(201);
    expect(gw.forwarder.attempts.map((a) => a.target)).toEqual(["10.0.0.1:80", "10.0.0.2:80"]);
    expect(finished!.attempt).toBe(1);
  });

  it("retries a refused connection for a method the route does not list, even with no methods listed", async () => {
    const gw = gateway([route({ retries: { methods: [] } }), route({ name: "p", path: "/p", retries: { methods: ["GET"] } })]);
    gw.forwarder.then(refuse, answer(200), refuse, answer(200));
    expect((await gw.send("GET", "/r")).res.statusCode).toBe(200);
    expect((await gw.send("PATCH", "/p", post)).res.statusCode).toBe(200);
    expect(gw.forwarder.attempts).toHaveLength(4);
  });

  it("does not retry a POST the upstream took and then reset, nor a GET with a body", async () => {
    const gw = gateway([route({ retries: { attempts: 3, methods: ["GET", "POST"] } })]);
    gw.forwarder.then(resetAfterSend, resetAfterSend, answer(200));
    const postAnswer = await gw.send("POST", "/r", post);
    expect(postAnswer.res.statusCode).toBe(502);
    expect(postAnswer.body!.error!.code).toBe("UPSTREAM_CONNECTION_RESET");
    expect((await gw.send("GET", "/r", post)).res.statusCode).toBe(502);
    expect(gw.forwarder.attempts).toHaveLength(2);
  });

  it("retries a bodyless GET the upstream reset, but never a route with attempts: 0", async () => {
    const gw = gateway([route(), route({ name: "off", path: "/off", retries: { attempts: 0 } })]);
    gw.forwarder.then(resetAfterSend, answer(200), refuse, answer(200));
    expect((await gw.send("GET", "/r")).res.statusCode).toBe(200);
    expect((await gw.send("POST", "/off", post)).res.statusCode).toBe(502);
    expect(gw.forwarder.attempts).toHaveLength(3);
  });

  it("retries refused connections only while the retry budget has room", async () => {
    const gw = gateway([route({ retries: { attempts: 5, backoffMs: 1, maxBackoffMs: 1, minRetryConcurrency: 0, budgetPercent: 1 } })]);
    gw.forwarder.then(refuse, answer(200));
    const { res } = await gw.send("POST", "/r", post);
    expect(res.statusCode).toBe(502);
    expect(gw.forwarder.attempts).toHaveLength(1);
  });

  it("answers a client too slow with its body 408 and closes, without counting it against the service's breaker", async () => {
    const gw = gateway([route({ retries: { attempts: 2 } })], {
      services: [{ name: "svc", targets: [{ address: "10.0.0.1:80" }], circuitBreaker: { minimumCalls: 2, failureRatePercent: 50, openMs: 60_000 } }],
    });
    for (let i = 0; i < 5; i++) {
      gw.forwarder.then(clientBodyTimeout);
      const slow = await gw.send("POST", "/r", post);
      expect(slow.res.statusCode).toBe(408);
      expect(slow.body!.error!.code).toBe("CLIENT_BODY_TIMEOUT");
      expect(slow.res.headers.connection).toBe("close");
      expect(slow.finished!.outcome).toBe("rejected");
    }
    expect(gw.forwarder.attempts).toHaveLength(5); // not retried
    const normal = await gw.send("GET", "/r");
    expect(normal.res.statusCode).toBe(200);
  });
});
