import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Snapshot } from "../config/compile-snapshot";
import { asGatewayError, GatewayError, sendError } from "../errors";
import type { Forwarder } from "../forward/forwarder";
import { randomHex } from "../telemetry/random-ids";
import type { FinishedRequest, LogStep, TraceContext } from "./compiled-route";
import { onAttemptDone, onUpstreamResponse } from "./forward-phase";
import type { GatewayRuntime } from "./gateway-runtime";
import { normalizePath } from "./normalize-path";
import { RequestContext, type PipelineEnv } from "./request-context";
import { runPipeline } from "./run-pipeline";
import { readRequestHead } from "./upstream-headers";

export interface RequestHandlerDeps {
  /** The snapshot in force; read once per request, so in-flight requests finish on the version they began with. */
  current(): Snapshot | null;
  forwarder: Forwarder;
  runtime: GatewayRuntime;
  /** Peers whose X-Forwarded-For / -Proto are believed. */
  trustedProxies: ReadonlySet<string>;
  maxHeaderCount: number;
  /** Share of new traces (no sampled traceparent from the caller) whose spans are kept. */
  traceSampleRatio: number;
  /** The log phase: called once when a request ends, whatever its outcome. */
  onFinish?: LogStep;
  /** Should this answer close its connection (draining, or this worker holds more than its share)? */
  closeConnection(): boolean;
}

const NO_CONFIG = new GatewayError("NO_CONFIG", "the gateway has not loaded a config yet");
const NOT_FOUND = new GatewayError("ROUTE_NOT_FOUND", "no route matches this request");
const TWO_HOSTS = new GatewayError("BAD_REQUEST", "the request has more than one Host header");
const TOO_MANY_HEADERS = new GatewayError("HEADERS_TOO_LARGE", "the request has too many header fields");
const BAD_HOST = new GatewayError("BAD_REQUEST", "the Host header is not a valid host[:port]");
const BAD_VERSION = new GatewayError("BAD_REQUEST", "the gateway speaks HTTP/1.0 and HTTP/1.1 only");
// RFC 3986 reg-name (without the comma that joins two Host headers) or IP literal, then an optional port.
const HOST_HEADER = /^(?:[A-Za-z0-9\-._~!$&'()*+;=%]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** Methods node sends without framing headers when they carry no body. */
const BODYLESS_METHODS = new Set(["GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"]);

function hostOf(header: string | undefined): string {
  if (!header) return "";
  const h = header.startsWith("[") ? header.slice(0, header.indexOf("]") + 1) : header.split(":", 1)[0];
  return h.toLowerCase();
}

const NO_TRIES: FinishedRequest["tries"] = Object.freeze([]);
const ZERO_TRACE = "00000000000000000000000000000000";

/** Continues the caller's trace (parent-based sampling) or starts one, sampled at `ratio`. */
function traceOf(traceparent: string | undefined, ratio: number, random: () => number): TraceContext {
  if (traceparent !== undefined && TRACEPARENT.test(traceparent) && traceparent.slice(3, 35) !== ZERO_TRACE) {
    return { traceId: traceparent.slice(3, 35), spanId: randomHex(8), parentSpanId: traceparent.slice(36, 52), sampled: (parseInt(traceparent.slice(53, 55), 16) & 1) === 1 };
  }
  return { traceId: randomHex(16), spanId: randomHex(8), parentSpanId: null, sampled: ratio > 0 && random() < ratio };
}

/** The client's address: the peer's, or the last hop a trusted proxy recorded in X-Forwarded-For. */
function clientAddress(peer: string, trusted: boolean, forwardedFor: string | undefined): string {
  if (!trusted || forwardedFor === undefined) return peer;
  const comma = forwardedFor.lastIndexOf(",");
  const last = (comma < 0 ? forwardedFor : forwardedFor.slice(comma + 1)).trim();
  return last === "" ? peer : last;
}

/**
 * The gateway's request entry: snapshot -> normalise and route -> forwarding headers -> the route's compiled
 * chain (admit, route, forward, respond, log: run-pipeline). A request refused before routing gets its JSON
 * error here and is logged like any other.
 */
export function createRequestHandler(deps: RequestHandlerDeps) {
  const log: LogStep = deps.onFinish ?? (() => {});
  const random = deps.runtime.random;
  const env: PipelineEnv = { forwarder: deps.forwarder, runtime: deps.runtime, onUpstreamResponse, onAttemptDone, log };

  return function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const snapshot = deps.current();
    const head = readRequestHead(req.rawHeaders);
    let requestId = head.requestId;
    if (requestId === undefined || !REQUEST_ID.test(requestId)) requestId = randomUUID();
    const trace = traceOf(head.traceparent, deps.traceSampleRatio, random);
    let path = "";
    try {
      if (req.rawHeaders.length > deps.maxHeaderCount * 2) throw TOO_MANY_HEADERS;
      if (req.httpVersionMajor !== 1) throw BAD_VERSION;
      const host = head.host;
      if (host !== undefined && (head.hosts > 1 || !HOST_HEADER.test(host))) throw head.hosts > 1 || host.includes(",") ? TWO_HOSTS : BAD_HOST;
      if (snapshot === null) throw NO_CONFIG;
      const url = req.url ?? "";
      const q = url.indexOf("?");
      const rawPath = q < 0 ? url : url.slice(0, q);
      path = normalizePath(rawPath);
      const method = req.method ?? "";
      const match = snapshot.match(method, path, hostOf(host));
      if (match === null) throw NOT_FOUND;
      const route = match.route;

      let upstreamPath = path;
      if (route.stripLength > 0) {
        upstreamPath = path.slice(route.stripLength);
        if (upstreamPath.charCodeAt(0) !== 47) upstreamPath = `/${upstreamPath}`;
      }
      req.url = q < 0 ? upstreamPath : upstreamPath + url.slice(q);

      const peer = req.socket.remoteAddress ?? "";
      const trusted = deps.trustedProxies.has(peer);
      const forwardedFor = head.forwardedFor;
      const hasBody = head.chunked || (head.contentLength !== undefined && Number(head.contentLength) !== 0);
      // The client's headers minus hop-by-hop and gateway-owned ones, then what the gateway says itself: only
      // a trusted proxy's forwarding headers are believed.
      const upstream = head.pass;
      upstream.push(
        "x-forwarded-for",
        trusted && forwardedFor !== undefined ? `${forwardedFor}, ${peer}` : peer,
        "x-forwarded-proto",
        trusted && head.forwardedProto !== undefined ? head.forwardedProto : "http",
      );
      const forwardedHost = trusted && head.forwardedHost !== undefined ? head.forwardedHost : host;
      if (forwardedHost) upstream.push("x-forwarded-host", forwardedHost);
      upstream.push("x-request-id", requestId, "traceparent", `00-${trace.traceId}-${trace.spanId}-${trace.sampled ? "01" : "00"}`);
      // Framing is the gateway's: a chunked body goes on chunked whatever the method (node would otherwise
      // send a GET's or DELETE's body unframed), and a body-less POST says so.
      if (head.chunked) upstream.push("transfer-encoding", "chunked");
      else if (head.contentLength === undefined && !BODYLESS_METHODS.has(method)) upstream.push("content-length", "0");
      const answer = deps.closeConnection() ? ["x-request-id", requestId, "connection", "close"] : ["x-request-id", requestId];

      const request = new RequestContext(req, res, route, env, started);
      request.requestId = requestId;
      request.clientIp = clientAddress(peer, trusted, forwardedFor);
      request.path = path;
      request.method = method;
      request.contentLength = head.contentLength;
      request.hasBody = hasBody;
      request.upstreamHeaders = upstream;
      request.responseHeaders = answer;
      request.trace = trace;
      runPipeline(request);
    } catch (error) {
      const e = asGatewayError(error);
      res.setHeader("x-request-id", requestId);
      if (e.status === 400 || e.status === 431) res.setHeader("connection", "close"); // framing is not to be trusted
      sendError(res, e, requestId);
      if (path === "") path = (req.url ?? "").slice(0, 200);
      const refused: FinishedRequest = {
        routeName: null,
        serviceName: null,
        status: e.status,
        errorCode: e.code,
        outcome: e.outcome,
        attempt: 0,
        ms: performance.now() - started,
        method: req.method ?? "",
        path,
        started,
        trace,
        tries: NO_TRIES,
        decisions: null,
      };
      log(refused);
    }
  };
}
