import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { PassThrough } from "node:stream";
import httpProxy from "http-proxy";
import { type GatewayError, upstreamError } from "../errors";
import { headersObject } from "../pipeline/upstream-headers";
import { BODY_TOO_LARGE, HEADER_TIMEOUT, MID_BODY_RESET, CONNECT_TIMEOUT, TOTAL_TIMEOUT, timeoutOf, writeUpstreamHead, type ForwardCall, type Forwarder } from "./forwarder";

const CTX = Symbol("bulwark.forward");

interface Attempt {
  call: ForwardCall;
  req: IncomingMessage;
  res: ServerResponse;
  /** What http-proxy pipes upstream in place of the client's body; the body goes into it once connected. */
  body: PassThrough | null;
  bodyStarted: boolean;
  proxyReq: ClientRequest | null;
  /** Connect and response-header timers, cleared when the response headers arrive. */
  connectTimer: NodeJS.Timeout | null;
  headerTimer: NodeJS.Timeout | null;
  totalTimer: NodeJS.Timeout | null;
  onClientClose: () => void;
  settled: boolean;
}

type TrackedRequest = IncomingMessage & { [CTX]?: Attempt };

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
  if (error !== null && a.body !== null) a.req.unpipe(a.body);
  a.call.onDone(error, status);
}

/**
 * The connection is there: the request goes out, and only now the client's body starts to flow (counted
 * against the route's limit), so an attempt that cannot connect leaves it unread for the next attempt.
 */
function startRequest(a: Attempt): void {
  if (a.settled) return;
  a.call.requestSent = true;
  if (a.body === null || a.bodyStarted) return;
  a.bodyStarted = true;
  const { req, call } = a;
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
  req.pipe(a.body);
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
  // Its deleteLength pass turns a chunked DELETE or OPTIONS into "Content-Length: 0" and then streams the body
  // anyway, unframed: the upstream would read the body as the next request. The pipeline frames bodies itself.
  const passes = proxy as unknown as { webPasses: ((...args: unknown[]) => unknown)[] };
  passes.webPasses = passes.webPasses.filter((pass) => pass.name !== "deleteLength");

  proxy.on("proxyReq", (proxyReq: ClientRequest, req: TrackedRequest) => {
    const a = req[CTX];
    if (!a || a.proxyReq) return;
    if (a.settled) {
      // Cancelled before the agent gave it a socket: nothing has been written yet, and nothing will be.
      proxyReq.destroy();
      return;
    }
    a.proxyReq = proxyReq;
    // http-proxy emits this on the request's "socket" event.
    const socket = proxyReq.socket as Socket | null;
    if (socket?.connecting) {
      a.connectTimer = setTimeout(() => proxyReq.destroy(CONNECT_TIMEOUT), a.call.timeouts.connectMs);
      socket.once("connect", () => {
        a.call.connectedAt = performance.now();
        if (a.connectTimer !== null) clearTimeout(a.connectTimer);
        a.connectTimer = null;
        startRequest(a);
      });
    } else startRequest(a);
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
    if (!writeUpstreamHead(res, proxyRes, status, a.call.responseHeaders)) {
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
      const a: Attempt = { call, req, res, body: null, bodyStarted: false, proxyReq: null, connectTimer: null, headerTimer: null, totalTimer: null, onClientClose: () => {}, settled: false };
      (req as TrackedRequest)[CTX] = a;
      const expire = (timeout: GatewayError) => () => {
        const error = timeoutOf(timeout, req, a.bodyStarted, a.proxyReq);
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
      const send = () => {
        if (a.settled) return;
        try {
          // http-proxy copies req.headers into its upstream request: hand it the pipeline's rewritten list.
          req.headers = headersObject(call.upstreamHeaders);
          let buffer: PassThrough | undefined;
          if (call.hasBody) {
            buffer = a.body = new PassThrough();
            // With Expect, http-proxy announces no proxyReq, so startRequest would never run: the body goes at
            // once, and the attempt counts as sent.
            if (req.headers.expect !== undefined) startRequest(a);
          }
          proxy.web(req, res, { target: { host: target.host, port: target.port, protocol: "http:" } as unknown as httpProxy.ProxyTargetUrl, buffer });
        } catch (error) {
          settle(a, upstreamError(error as NodeJS.ErrnoException), 502);
        }
      };
      // As in the node:http forwarder: a body that turns out malformed in the same packet is seen first.
      if (call.hasBody) setImmediate(send);
      else send();
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
