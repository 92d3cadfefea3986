import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import httpProxy from "http-proxy";
import type { Timeouts } from "@bulwark/config/schema";
import { GatewayError, upstreamError } from "./gateway-error";
import type { UpstreamTarget } from "./compile-snapshot";

/** The one thing the pipeline asks of a forwarding engine. */
export interface Forwarder {
  forward(req: IncomingMessage, res: ServerResponse, target: UpstreamTarget, timeouts: Timeouts, onDone: (error: GatewayError | null, status: number) => void): void;
  close(): void;
}

const CTX = Symbol("bulwark.forward");

interface ForwardContext {
  timeouts: Timeouts;
  onDone: (error: GatewayError | null, status: number) => void;
  proxyReq: ClientRequest | null;
  /** Connect and response-header timers, cleared when the response headers arrive. */
  timers: NodeJS.Timeout[];
  total: NodeJS.Timeout | null;
  settled: boolean;
}

type TrackedRequest = IncomingMessage & { [CTX]?: ForwardContext };

// Hop-by-hop headers (RFC 9110 7.6.1) that a proxy must not pass on. Transfer-Encoding is re-done by Node.
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "upgrade", "transfer-encoding"];

export function stripHopByHop(headers: NodeJS.Dict<string | string[]>): void {
  const listed = headers.connection;
  if (typeof listed === "string") {
    for (const token of listed.split(",")) {
      const name = token.trim().toLowerCase();
      if (name && name !== "host" && !name.startsWith("x-forwarded")) delete headers[name];
    }
  }
  for (const name of HOP_BY_HOP) delete headers[name];
}

function timeoutError(which: string): GatewayError {
  return new GatewayError(504, "UPSTREAM_TIMEOUT", `the upstream did not ${which} in time`);
}

function settle(ctx: ForwardContext, error: GatewayError | null, status: number) {
  if (ctx.settled) return;
  ctx.settled = true;
  for (const t of ctx.timers) clearTimeout(t);
  if (ctx.total) clearTimeout(ctx.total);
  ctx.onDone(error, status);
}

/**
 * Forwarding through http-proxy: one proxy server and one keep-alive agent per worker, targets passed as
 * objects (no URL parsing per request), and every known trap closed: an error always answers or destroys the
 * socket, a client that goes away cancels the upstream request, an upstream that dies mid-body closes the
 * client connection, and timeouts (connect, response headers) answer 504.
 */
export function createHttpProxyForwarder(options: { maxSockets?: number } = {}): Forwarder {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 1024, maxFreeSockets: 256, scheduling: "lifo" });
  const proxy = httpProxy.createProxyServer({ agent, xfwd: false, changeOrigin: false, ws: false, proxyTimeout: 0 });

  proxy.on("proxyReq", (proxyReq: ClientRequest, req: TrackedRequest) => {
    const ctx = req[CTX];
    if (!ctx || ctx.proxyReq) return;
    ctx.proxyReq = proxyReq;
    const socket = proxyReq.socket as Socket | null;
    if (socket?.connecting) {
      const timer = setTimeout(() => proxyReq.destroy(timeoutError("accept the connection")), ctx.timeouts.connectMs);
      ctx.timers.push(timer);
      socket.once("connect", () => clearTimeout(timer));
    }
  });

  proxy.on("proxyRes", (proxyRes: IncomingMessage, req: TrackedRequest, res: ServerResponse) => {
    const ctx = req[CTX];
    if (ctx) {
      for (const t of ctx.timers) clearTimeout(t);
      ctx.timers.length = 0;
    }
    stripHopByHop(proxyRes.headers);
    proxyRes.once("close", () => {
      // The upstream went away before the whole body: the client must not wait for the rest.
      if (!proxyRes.complete) res.destroy();
      if (ctx) settle(ctx, proxyRes.complete ? null : new GatewayError(502, "UPSTREAM_CONNECTION_RESET", "the upstream closed the connection mid-body"), proxyRes.statusCode ?? 502);
    });
  });

  proxy.on("error", (err: Error, req: IncomingMessage, res: ServerResponse | Socket) => {
    const ctx = (req as TrackedRequest)[CTX];
    const error = upstreamError(err as NodeJS.ErrnoException);
    ctx?.proxyReq?.destroy();
    if (!("writeHead" in res) || res.headersSent) {
      res.destroy();
      if (ctx) settle(ctx, error, 502);
      return;
    }
    if (ctx) settle(ctx, error, error.status);
  });

  // A client that hangs up mid-request is not an upstream failure; just make sure nothing is left open.
  proxy.on("econnreset", (_err: Error, req: IncomingMessage) => {
    const ctx = (req as TrackedRequest)[CTX];
    if (ctx) settle(ctx, null, 499);
  });

  return {
    forward(req, res, target, timeouts, onDone) {
      const ctx: ForwardContext = { timeouts, onDone, proxyReq: null, timers: [], total: null, settled: false };
      (req as TrackedRequest)[CTX] = ctx;
      const expire = (which: string) => () => {
        if (res.headersSent) res.destroy();
        else if (ctx.proxyReq) ctx.proxyReq.destroy(timeoutError(which));
        else settle(ctx, timeoutError(which), 504);
      };
      ctx.timers.push(setTimeout(expire("answer"), timeouts.responseHeaderMs));
      ctx.total = setTimeout(expire("finish"), timeouts.totalMs);
      res.once("close", () => {
        if (!res.writableFinished) ctx.proxyReq?.destroy();
        settle(ctx, null, res.statusCode);
      });
      try {
        proxy.web(req, res, { target: { host: target.host, port: target.port, protocol: "http:" } as unknown as httpProxy.ProxyTargetUrl });
      } catch (error) {
        settle(ctx, upstreamError(error as NodeJS.ErrnoException), 502);
      }
    },
    close() {
      proxy.close();
      agent.destroy();
    },
  };
}
