import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import httpProxy from "http-proxy";
import type { Timeouts } from "@bulwark/config/schema";
import { GatewayError, upstreamError } from "./gateway-error";
import type { UpstreamTarget } from "./compile-snapshot";

/** One attempt's settings and the pipeline's hooks; the forwarder knows nothing else of the pipeline. */
export interface ForwardCall {
  readonly timeouts: Timeouts;
  /** What is left of the route's total timeout for this attempt. */
  readonly remainingMs: number;
  /** A request body longer than this is cut off with 413 (Infinity: no limit). */
  readonly maxBodyBytes: number;
  /** The upstream's answer has arrived: true sends it to the client, false drops it (a retry follows). */
  onResponse(proxyRes: IncomingMessage): boolean;
  /** When this attempt's new connection was made (0: a kept-alive one was reused), and its answer began. */
  connectedAt: number;
  firstByteAt: number;
  /** Set by onResponse when the body sent to the client should also be handed to capture(). */
  readonly capturing: boolean;
  capture(chunk: Buffer): void;
  /**
   * Called once per forward(): `error` when no answer was sent (the caller answers) or the answer was cut short;
   * status 499 when the client went away.
   */
  onDone(error: GatewayError | null, status: number): void;
}

/** The one thing the pipeline asks of a forwarding engine. */
export interface Forwarder {
  forward(req: IncomingMessage, res: ServerResponse, target: UpstreamTarget, call: ForwardCall): void;
  /**
   * The client's request turned out malformed mid-body: drop the upstream request before anything more of it
   * (ideally, before even its headers) leaves; the call ends as if the client went away.
   */
  cancel(req: IncomingMessage): void;
  close(): void;
}

const CTX = Symbol("bulwark.forward");

interface Attempt {
  call: ForwardCall;
  res: ServerResponse;
  proxyReq: ClientRequest | null;
  /** Connect and response-header timers, cleared when the response headers arrive. */
  connectTimer: NodeJS.Timeout | null;
  headerTimer: NodeJS.Timeout | null;
  totalTimer: NodeJS.Timeout | null;
  onClientClose: () => void;
  settled: boolean;
}

type TrackedRequest = IncomingMessage & { [CTX]?: Attempt };

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

const CONNECT_TIMEOUT = new GatewayError(504, "UPSTREAM_CONNECT_TIMEOUT", "the upstream did not accept the connection in time");
const HEADER_TIMEOUT = new GatewayError(504, "UPSTREAM_TIMEOUT", "the upstream did not answer in time");
const TOTAL_TIMEOUT = new GatewayError(504, "UPSTREAM_TIMEOUT", "the upstream did not finish in time");
const MID_BODY_RESET = new GatewayError(502, "UPSTREAM_CONNECTION_RESET", "the upstream closed the connection mid-body");
const BODY_TOO_LARGE = new GatewayError(413, "PAYLOAD_TOO_LARGE", "the request body is larger than this route accepts");

function clearTimers(a: Attempt) {
  if (a.connectTimer !== null) clearTimeout(a.connectTimer);
  if (a.headerTimer !== null) clearTimeout(a.headerTimer);
  a.connectTimer = a.headerTimer = null;
}

function settle(a: Attempt, error: GatewayError | null, status: number) {
  if (a.settled) return;
  a.settled = true;
  clearTimers(a);
  if (a.totalTimer !== null) clearTimeout(a.totalTimer);
  a.res.removeListener("close", a.onClientClose);
  a.call.onDone(error, status);
}

/**
 * Forwarding through http-proxy: one proxy server and one keep-alive agent per worker, targets passed as
 * objects (no URL parsing per request), and the answer written by us (selfHandleResponse) so the pipeline can
 * drop a retryable answer or keep a copy for fallbacks. Every known trap is closed: an error always reaches
 * onDone or destroys the socket, a client that goes away cancels the upstream request, an upstream that dies
 * mid-body closes the client connection, and timeouts (connect, response headers, total) answer 504.
 */
export function createHttpProxyForwarder(options: { maxSockets?: number } = {}): Forwarder {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 1024, maxFreeSockets: 256, scheduling: "lifo" });
  const proxy = httpProxy.createProxyServer({ agent, xfwd: false, changeOrigin: false, ws: false, proxyTimeout: 0, selfHandleResponse: true });

  proxy.on("proxyReq", (proxyReq: ClientRequest, req: TrackedRequest) => {
    const a = req[CTX];
    if (!a || a.proxyReq) return;
    if (a.settled) {
      // Cancelled before the agent gave it a socket: nothing has been written yet, and nothing will be.
      proxyReq.destroy();
      return;
    }
    a.proxyReq = proxyReq;
    const socket = proxyReq.socket as Socket | null;
    if (socket?.connecting) {
      a.connectTimer = setTimeout(() => proxyReq.destroy(CONNECT_TIMEOUT), a.call.timeouts.connectMs);
      socket.once("connect", () => {
        a.call.connectedAt = performance.now();
        if (a.connectTimer !== null) clearTimeout(a.connectTimer);
        a.connectTimer = null;
      });
    }
  });

  proxy.on("proxyRes", (proxyRes: IncomingMessage, req: TrackedRequest, res: ServerResponse) => {
    const a = req[CTX];
    if (!a || a.settled) {
      proxyRes.resume();
      return;
    }
    clearTimers(a);
    a.call.firstByteAt = performance.now();
    const status = proxyRes.statusCode ?? 502;
    if (!a.call.onResponse(proxyRes)) {
      // Dropped for a retry: drain it so the upstream connection can be reused.
      proxyRes.resume();
      settle(a, null, status);
      return;
    }
    stripHopByHop(proxyRes.headers);
    try {
      res.writeHead(status, proxyRes.statusMessage, proxyRes.headers);
    } catch {
      proxyRes.destroy();
      res.destroy();
      settle(a, null, 499);
      return;
    }
    if (a.call.capturing) proxyRes.on("data", (chunk: Buffer) => a.call.capture(chunk));
    proxyRes.once("close", () => {
      // The upstream went away before the whole body: the client must not wait for the rest.
      if (!proxyRes.complete) res.destroy();
      settle(a, proxyRes.complete ? null : MID_BODY_RESET, status);
    });
    proxyRes.pipe(res);
  });

  proxy.on("error", (err: Error, req: IncomingMessage, res: ServerResponse | Socket) => {
    const a = (req as TrackedRequest)[CTX];
    const error = upstreamError(err as NodeJS.ErrnoException);
    a?.proxyReq?.destroy();
    if (!("writeHead" in res) || res.headersSent) {
      res.destroy();
      if (a) settle(a, error, 502);
      return;
    }
    if (a) settle(a, error, error.status);
  });

  // A client that hangs up mid-request is not an upstream failure; just make sure nothing is left open.
  proxy.on("econnreset", (_err: Error, req: IncomingMessage) => {
    const a = (req as TrackedRequest)[CTX];
    if (a) settle(a, null, 499);
  });

  return {
    forward(req, res, target, call) {
      const a: Attempt = { call, res, proxyReq: null, connectTimer: null, headerTimer: null, totalTimer: null, onClientClose: () => {}, settled: false };
      (req as TrackedRequest)[CTX] = a;
      const expire = (error: GatewayError) => () => {
        if (res.headersSent) {
          res.destroy();
          a.proxyReq?.destroy();
          settle(a, error, 504);
        } else if (a.proxyReq) a.proxyReq.destroy(error);
        else settle(a, error, 504);
      };
      const timeouts = call.timeouts;
      a.headerTimer = setTimeout(expire(HEADER_TIMEOUT), Math.min(timeouts.responseHeaderMs, call.remainingMs));
      a.totalTimer = setTimeout(expire(TOTAL_TIMEOUT), call.remainingMs);
      a.onClientClose = () => {
        if (!res.writableFinished) a.proxyReq?.destroy();
        settle(a, null, res.writableFinished ? res.statusCode : 499);
      };
      res.once("close", a.onClientClose);
      if (call.maxBodyBytes !== Infinity && !req.complete) {
        let received = 0;
        const count = (chunk: Buffer) => {
          received += chunk.length;
          if (received > call.maxBodyBytes) {
            req.removeListener("data", count);
            if (a.proxyReq) a.proxyReq.destroy(BODY_TOO_LARGE);
            else settle(a, BODY_TOO_LARGE, 413);
          }
        };
        req.on("data", count);
      }
      try {
        proxy.web(req, res, { target: { host: target.host, port: target.port, protocol: "http:" } as unknown as httpProxy.ProxyTargetUrl });
      } catch (error) {
        settle(a, upstreamError(error as NodeJS.ErrnoException), 502);
      }
    },
    cancel(req) {
      const a = (req as TrackedRequest)[CTX];
      if (!a || a.settled) return;
      const proxyReq = a.proxyReq;
      settle(a, null, 499);
      proxyReq?.destroy();
    },
    close() {
      proxy.close();
      agent.destroy();
    },
  };
}
