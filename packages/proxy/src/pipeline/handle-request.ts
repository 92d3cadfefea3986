import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import { canonicalHost, canonicalPath, NonCanonicalPathError, type CanonicalHost } from "@bulwark/config/canonical-form";
import type { Snapshot } from "../config/compile-snapshot";
import { asGatewayError, GatewayError, sendError } from "../errors";
import type { Forwarder } from "../forward/forwarder";
import { randomHex } from "../telemetry/random-ids";
import type { FinishedRequest, LogStep, TraceContext } from "./compiled-route";
import { onAttemptDone, onUpstreamResponse } from "./forward-phase";
import type { GatewayRuntime } from "./gateway-runtime";
import { RequestContext, type PipelineEnv } from "./request-context";
import { runPipeline } from "./run-pipeline";
import { readRequestHead } from "./upstream-headers";

export interface RequestHandlerDeps {
  /** The snapshot in force; read once per request, so in-flight requests finish on the version they began with. */
  current(): Snapshot | null;
  forwarder: Forwarder;
  runtime: GatewayRuntime;
  /** Peers whose forwarding headers (X-Forwarded-*, client-address and scheme headers) are believed. */
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
const NO_HOST: CanonicalHost = Object.freeze({ name: "", host: "" });
const REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** Methods node sends without framing headers when they carry no body. */
const BODYLESS_METHODS = new Set(["GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"]);

/** The request's Host in canonical form (canonical-form.ts), or the error that refuses it. */
function hostOf(header: string | undefined, count: number): CanonicalHost {
  if (count > 1) throw TWO_HOSTS;
  if (header === undefined) return NO_HOST;
  const host = canonicalHost(header, 80);
  if (host === null) throw header.includes(",") ? TWO_HOSTS : BAD_HOST;
  return host;
}

/** The request's path in canonical form (canonical-form.ts), or the 400 that refuses it. */
function pathOf(raw: string): string {
  try {
    return canonicalPath(raw);
  } catch (error) {
    if (error instanceof NonCanonicalPathError) throw new GatewayError("BAD_REQUEST", `the request path ${error.message}`);
    throw error;
  }
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

/**
 * The client's address: the peer's or, from a trusted proxy, the first X-Forwarded-For hop from the right that is
 * not itself a trusted proxy (nginx's real_ip_recursive). A hop that is not an IP address ends the walk at the
 * last address believed, so a forged word can never become the address that IP rules are checked against.
 */
function clientAddress(peer: string, trusted: boolean, forwardedFor: string | undefined, trustedProxies: ReadonlySet<string>): string {
  if (!trusted || forwardedFor === undefined) return peer;
  let address = peer;
  let end = forwardedFor.length;
  while (end > 0) {
    const comma = forwardedFor.lastIndexOf(",", end - 1);
    const hop = forwardedFor.slice(comma + 1, end).trim();
    if (isIP(hop) === 0) return address;
    address = hop;
    if (!trustedProxies.has(hop)) return hop;
    end = comma < 0 ? 0 : comma;
  }
  return address;
}

/** An RFC 7239 value: a token as is, an IPv6 address bracketed and quoted, anything else with a ':' quoted. */
function forwardedValue(v: string): string {
  if (/^[A-Za-z0-9._-]+$/.test(v)) return v;
  return isIP(v) === 6 ? `"[${v}]"` : `"${v}"`;
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
    const peer = req.socket.remoteAddress ?? "";
    const trusted = deps.trustedProxies.size > 0 && deps.trustedProxies.has(peer);
    const head = readRequestHead(req.rawHeaders, trusted);
    let requestId = head.requestId;
    if (requestId === undefined || !REQUEST_ID.test(requestId)) requestId = randomUUID();
    const trace = traceOf(head.traceparent, deps.traceSampleRatio, random);
    let path = "";
    try {
      if (req.rawHeaders.length > deps.maxHeaderCount * 2) throw TOO_MANY_HEADERS;
      if (req.httpVersionMajor !== 1) throw BAD_VERSION;
      const host = hostOf(head.host, head.hosts);
      if (snapshot === null) throw NO_CONFIG;
      const url = req.url ?? "";
      const q = url.indexOf("?");
      const rawPath = q < 0 ? url : url.slice(0, q);
      // Routed, checked and forwarded in one canonical form: no rule can be passed by another spelling.
      path = pathOf(rawPath);
      const method = req.method ?? "";
      const match = snapshot.match(method, path, host.name);
      if (match === null) throw NOT_FOUND;
      const route = match.route;

      let upstreamPath = path;
      if (route.stripLength > 0) {
        upstreamPath = path.slice(route.stripLength);
        if (upstreamPath.charCodeAt(0) !== 47) upstreamPath = `/${upstreamPath}`;
      }
      req.url = q < 0 ? upstreamPath : upstreamPath + url.slice(q);

      const forwardedFor = head.forwardedFor;
      const clientIp = clientAddress(peer, trusted, forwardedFor, deps.trustedProxies);
      const hasBody = head.chunked || (head.contentLength !== undefined && Number(head.contentLength) !== 0);
      // The client's headers minus hop-by-hop and gateway-owned ones, then what the gateway says itself: only
      // a trusted proxy's forwarding headers are believed, and only when they are well-formed.
      const upstream = head.pass;
      const proto = trusted && (head.forwardedProto === "https" || head.forwardedProto === "http") ? head.forwardedProto : "http";
      const trustedHost = trusted && head.forwardedHost !== undefined ? canonicalHost(head.forwardedHost, proto === "https" ? 443 : 80) : null;
      const forwardedHost = trustedHost !== null ? trustedHost.host : host.host;
      if (host.host !== "") upstream.push("host", host.host);
      upstream.push("x-forwarded-for", trusted && forwardedFor !== undefined ? `${forwardedFor}, ${peer}` : peer, "x-forwarded-proto", proto, "x-real-ip", clientIp);
      if (forwardedHost !== "") upstream.push("x-forwarded-host", forwardedHost);
      upstream.push("forwarded", forwardedHost !== "" ? `for=${forwardedValue(clientIp)};host=${forwardedValue(forwardedHost)};proto=${proto}` : `for=${forwardedValue(clientIp)};proto=${proto}`);
      upstream.push("x-request-id", requestId, "traceparent", `00-${trace.traceId}-${trace.spanId}-${trace.sampled ? "01" : "00"}`);
      // Framing is the gateway's: a chunked body goes on chunked whatever the method (node would otherwise
      // send a GET's or DELETE's body unframed), and a body-less POST says so.
      if (head.chunked) upstream.push("transfer-encoding", "chunked");
      else if (head.contentLength === undefined && !BODYLESS_METHODS.has(method)) upstream.push("content-length", "0");
      const answer = deps.closeConnection() ? ["x-request-id", requestId, "connection", "close"] : ["x-request-id", requestId];

      const request = new RequestContext(req, res, route, env, started);
      request.requestId = requestId;
      request.clientIp = clientIp;
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
