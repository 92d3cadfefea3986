import { request, type Agent, type ClientRequest, type IncomingMessage, type RequestOptions, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { UpstreamTarget } from "../upstream/upstream-target";
import { UpstreamPool } from "../upstream/upstream-pool";
import { GatewayError, upstreamError } from "../errors";
import { BODY_TOO_LARGE, CONNECT_TIMEOUT, HEADER_TIMEOUT, MID_BODY_RESET, TOTAL_TIMEOUT, timeoutOf, writeUpstreamHead, type ForwardCall, type Forwarder } from "./forwarder";

const ATTEMPT = Symbol("bulwark.attempt");
const BAD_UPSTREAM_REQUEST = new GatewayError("GATEWAY_ERROR", "the gateway could not build the upstream request");

type Tagged<T> = T & { [ATTEMPT]?: Attempt };

/** One upstream attempt. Its event handlers are module functions that find it on the emitter, so an attempt allocates no closures. */
class Attempt {
  proxyReq: ClientRequest | null = null;
  proxyRes: IncomingMessage | null = null;
  timer: NodeJS.Timeout | null = null;
  /** performance.now() deadlines; connectDeadline is Infinity unless a new connection is being made. */
  connectDeadline = Infinity;
  readonly headerDeadline: number;
  readonly totalDeadline: number;
  /** The timer's current deadline, so a nearer one can replace it. */
  armedFor = 0;
  connecting = false;
  /** The client's body is being piped upstream (from the moment the connection is there, not before). */
  bodyStarted = false;
  gotHeaders = false;
  status = 0;
  received = 0;
  settled = false;

  constructor(
    readonly req: Tagged<IncomingMessage>,
    readonly res: Tagged<ServerResponse>,
    readonly call: ForwardCall,
    readonly started: number,
  ) {
    this.totalDeadline = started + call.remainingMs;
    this.headerDeadline = started + Math.min(call.timeouts.responseHeaderMs, call.remainingMs);
  }
}

function settle(a: Attempt, error: GatewayError | null, status: number): void {
  if (a.settled) return;
  a.settled = true;
  if (a.timer !== null) clearTimeout(a.timer);
  a.timer = null;
  a.res.removeListener("close", onClientClose);
  if (a.bodyStarted) {
    if (a.call.maxBodyBytes !== Infinity) a.req.removeListener("data", countBody);
    // A failed attempt takes no more of the body (nor does its error hold the client's stream).
    if (error !== null && a.proxyReq !== null) a.req.unpipe(a.proxyReq);
  }
  a.call.onDone(error, status);
}

function arm(a: Attempt, deadline: number, now: number): void {
  if (a.timer !== null) clearTimeout(a.timer);
  a.armedFor = deadline;
  a.timer = setTimeout(onTimer, Math.max(1, Math.ceil(deadline - now)), a);
}

/**
 * One timer per attempt, armed for the nearest deadline that can still pass. A deadline that no longer applies
 * (the connection was made, the headers arrived) is not cleared when that happens; the timer re-arms for the
 * next one when it fires, which for almost every request is never.
 */
function onTimer(a: Attempt): void {
  a.timer = null;
  if (a.settled) return;
  const now = performance.now() + 1; // timers run on the loop's millisecond clock: allow for its rounding
  if (a.connecting && now >= a.connectDeadline) return expire(a, CONNECT_TIMEOUT);
  if (!a.gotHeaders && now >= a.headerDeadline) return expire(a, HEADER_TIMEOUT);
  if (now >= a.totalDeadline) return expire(a, TOTAL_TIMEOUT);
  const next = a.gotHeaders ? a.totalDeadline : a.connecting ? Math.min(a.connectDeadline, a.headerDeadline) : a.headerDeadline;
  arm(a, next, now - 1);
}

function expire(a: Attempt, timeout: GatewayError): void {
  const error = timeoutOf(timeout, a.req, a.bodyStarted, a.proxyReq);
  // With the answer under way, the client connection is closed: a cut-short body must not look complete.
  const sent = a.res.headersSent;
  settle(a, error, error.status);
  if (sent) a.res.destroy();
  a.proxyReq?.destroy();
}

function onClientClose(this: Tagged<ServerResponse>): void {
  const a = this[ATTEMPT];
  if (a === undefined || a.settled) return;
  const finished = this.writableFinished;
  settle(a, null, finished ? this.statusCode : 499);
  if (!finished) a.proxyReq?.destroy();
}

function countBody(this: Tagged<IncomingMessage>, chunk: Buffer): void {
  const a = this[ATTEMPT];
  if (a === undefined || a.settled) return;
  a.received += chunk.length;
  if (a.received > a.call.maxBodyBytes) {
    settle(a, BODY_TOO_LARGE, 413);
    a.proxyReq?.destroy();
  }
}

function onSocket(this: Tagged<ClientRequest>, socket: Tagged<Socket>): void {
  const a = this[ATTEMPT];
  if (a === undefined || a.settled) return;
  if (!socket.connecting) return startRequest(a); // a kept-alive connection
  a.connecting = true;
  a.connectDeadline = a.started + a.call.timeouts.connectMs;
  if (a.connectDeadline < a.armedFor) arm(a, a.connectDeadline, performance.now());
  socket[ATTEMPT] = a;
  socket.once("connect", onConnect);
}

function onConnect(this: Tagged<Socket>): void {
  const a = this[ATTEMPT];
  this[ATTEMPT] = undefined;
  if (a === undefined) return;
  a.connecting = false;
  a.call.connectedAt = performance.now();
  startRequest(a);
}

/**
 * The connection is there: from now on the request goes out. The client's body is piped only now, so an
 * attempt that cannot connect leaves it unread in the client's stream, for the next attempt to send.
 */
function startRequest(a: Attempt): void {
  if (a.settled) return;
  a.call.requestSent = true;
  if (!a.call.hasBody || a.bodyStarted) return;
  a.bodyStarted = true;
  const { req } = a;
  if (a.call.maxBodyBytes !== Infinity) req.on("data", countBody);
  req.pipe(a.proxyReq!);
}

function onUpstreamError(this: Tagged<ClientRequest>, err: NodeJS.ErrnoException): void {
  const a = this[ATTEMPT];
  if (a === undefined || a.settled) return;
  const error = upstreamError(err);
  if (a.res.headersSent) {
    a.res.destroy();
    settle(a, error, 502);
  } else settle(a, error, error.status);
}

function onResponse(this: Tagged<ClientRequest>, proxyRes: Tagged<IncomingMessage>): void {
  const a = this[ATTEMPT];
  if (a === undefined || a.settled) {
    proxyRes.resume();
    return;
  }
  a.gotHeaders = true;
  const call = a.call;
  call.firstByteAt = performance.now();
  const status = (a.status = proxyRes.statusCode ?? 502);
  if (!call.onResponse(proxyRes)) {
    // Dropped for a retry: drain it so the upstream connection can be reused.
    proxyRes.resume();
    settle(a, null, status);
    return;
  }
  const res = a.res;
  if (!writeUpstreamHead(res, proxyRes, status, call.responseHeaders)) {
    settle(a, null, 499);
    return;
  }
  // The body is copied by hand rather than piped: three listeners instead of pipe's eight, with backpressure.
  proxyRes[ATTEMPT] = a;
  a.proxyRes = proxyRes;
  proxyRes.on("data", onUpstreamData);
  proxyRes.on("end", onUpstreamEnd);
  proxyRes.on("close", onUpstreamClose);
}

function onUpstreamData(this: Tagged<IncomingMessage>, chunk: Buffer): void {
  const a = this[ATTEMPT]!;
  if (a.call.capturing) a.call.capture(chunk);
  if (!a.res.write(chunk) && !a.res.destroyed) {
    this.pause();
    a.res.once("drain", onClientDrain);
  }
}

function onClientDrain(this: Tagged<ServerResponse>): void {
  this[ATTEMPT]?.proxyRes?.resume();
}

function onUpstreamEnd(this: Tagged<IncomingMessage>): void {
  this[ATTEMPT]!.res.end();
}

function onUpstreamClose(this: Tagged<IncomingMessage>): void {
  const a = this[ATTEMPT];
  if (a === undefined) return;
  // The upstream went away before the whole body: the client must not wait for the rest.
  if (!this.complete) a.res.destroy();
  settle(a, this.complete ? null : MID_BODY_RESET, a.status);
}

function send(a: Attempt, target: UpstreamTarget, agent: Agent): void {
  if (a.settled) return;
  const { req, call } = a;
  let proxyReq: Tagged<ClientRequest>;
  try {
    // A header list is written into the request's head as it is, at once (no per-header setHeader).
    proxyReq = request({
      host: target.host,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: call.upstreamHeaders as string[],
      agent,
      setHost: false,
      poolKey: target.address,
    } as RequestOptions);
  } catch {
    // node:http refused what the pipeline built (a header value it will not write): the gateway's fault, not the upstream's.
    settle(a, BAD_UPSTREAM_REQUEST, 500);
    return;
  }
  a.proxyReq = proxyReq;
  proxyReq[ATTEMPT] = a;
  proxyReq.on("error", onUpstreamError);
  proxyReq.on("socket", onSocket);
  proxyReq.on("response", onResponse);
  // A request without a body is ended at once (node holds it until the socket connects); one with a body
  // waits for the connection (startRequest).
  if (!call.hasBody) proxyReq.end();
}

/**
 * Forwarding on plain node:http: one keep-alive connection pool per worker (UpstreamPool), the client's headers passed as they are
 * (the pipeline already rewrote them), the body streamed when there is one, and the answer written by us so the
 * pipeline can drop a retryable answer or keep a copy for fallbacks. Measured against http-proxy behind the same
 * interface, it leaves far less garbage per request (no per-request closures, option objects or URL parsing).
 * Every trap is closed: an error always reaches onDone or destroys the socket, a client that goes away cancels
 * the upstream request, an upstream that dies mid-body closes the client connection, and timeouts (connect,
 * response headers, total) answer 504.
 */
export function createNodeHttpForwarder(options: { maxSockets?: number } = {}): Forwarder {
  const pool = new UpstreamPool({ maxSockets: options.maxSockets ?? 1024, idleMs: 4_000 });
  const agent = pool as unknown as Agent;
  return {
    forward(req, res, target, call) {
      const a = new Attempt(req, res, call, performance.now());
      (req as Tagged<IncomingMessage>)[ATTEMPT] = a;
      (res as Tagged<ServerResponse>)[ATTEMPT] = a;
      arm(a, a.headerDeadline, a.started);
      res.on("close", onClientClose);
      // node:http runs the next-tick queue between handing us the request and parsing the rest of the packet
      // it came in, where a malformed body may wait: a request with a body starts after that parse (the worker
      // then cancels it), so not even its headers reach the upstream.
      if (call.hasBody) setImmediate(send, a, target, agent);
      else send(a, target, agent);
    },
    cancel(req) {
      const a = (req as Tagged<IncomingMessage>)[ATTEMPT];
      if (a === undefined || a.settled) return;
      settle(a, null, 499);
      a.proxyReq?.destroy();
    },
    close() {
      pool.destroy();
    },
  };
}
