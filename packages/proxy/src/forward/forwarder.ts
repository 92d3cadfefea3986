import type { ClientRequest, IncomingMessage, ServerResponse } from "node:http";
import type { Timeouts } from "@bulwark/config/schema";
import { GatewayError } from "../errors";
import type { UpstreamTarget } from "../upstream/upstream-target";
import { responseHeaderList } from "../pipeline/upstream-headers";

/** One attempt's settings and the pipeline's hooks; the forwarder knows nothing else of the pipeline. */
export interface ForwardCall {
  readonly timeouts: Timeouts;
  /** What is left of the route's total timeout for this attempt. */
  readonly remainingMs: number;
  /** A request body longer than this is cut off with 413 (Infinity: no limit). */
  readonly maxBodyBytes: number;
  /** The request carries a body to stream upstream (false: the upstream request is ended at once). */
  readonly hasBody: boolean;
  /** The upstream request's headers, as a flat name/value list; the pipeline already rewrote them. */
  readonly upstreamHeaders: readonly string[];
  /** Headers the gateway adds to the answer (request id, rate-limit state), lower-case names, flat. */
  readonly responseHeaders: readonly string[];
  /** The upstream's answer has arrived: true sends it to the client, false drops it (a retry follows). */
  onResponse(proxyRes: IncomingMessage): boolean;
  /**
   * Set by the forwarder once the attempt has a connected socket and starts writing the request. While it is
   * false nothing of the request has left the gateway and the client's body has not been read, so an attempt
   * that fails before (refused, unreachable, connect timeout) may be made again for any method, body or not.
   */
  requestSent: boolean;
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

/**
 * Passes the upstream's status line and headers to the client, minus hop-by-hop ones, plus the gateway's own
 * (`extra`). The pipeline sets no response header before this (it collects them in `extra`), so node writes the
 * list as it is. False when the client response cannot take it (already gone, or headers node:http refuses):
 * both sides are then destroyed.
 */
export function writeUpstreamHead(res: ServerResponse, proxyRes: IncomingMessage, status: number, extra: readonly string[]): boolean {
  try {
    res.writeHead(status, proxyRes.statusMessage, responseHeaderList(proxyRes.rawHeaders, extra));
    return true;
  } catch {
    proxyRes.destroy();
    res.destroy();
    return false;
  }
}

export const CONNECT_TIMEOUT = new GatewayError("UPSTREAM_CONNECT_TIMEOUT", "the upstream did not accept the connection in time");
export const HEADER_TIMEOUT = new GatewayError("UPSTREAM_TIMEOUT", "the upstream did not answer in time");
export const TOTAL_TIMEOUT = new GatewayError("UPSTREAM_TIMEOUT", "the upstream did not finish in time");
export const MID_BODY_RESET = new GatewayError("UPSTREAM_CONNECTION_RESET", "the upstream closed the connection mid-body");
export const CLIENT_BODY_TIMEOUT = new GatewayError("CLIENT_BODY_TIMEOUT", "the request body did not arrive in time");
export const BODY_TOO_LARGE = new GatewayError("PAYLOAD_TOO_LARGE", "the request body is larger than this route accepts");

/**
 * Which side a response-header or total timeout belongs to: the client's when it is still sending its body
 * while the upstream takes all it is given (the upstream cannot answer a request it has not received; nginx's
 * client_body_timeout), else the upstream's. A client's slowness must not open a healthy service's breaker.
 */
export function timeoutOf(error: GatewayError, req: IncomingMessage, bodyStarted: boolean, proxyReq: ClientRequest | null): GatewayError {
  if (error === CONNECT_TIMEOUT || !bodyStarted || req.complete) return error;
  // Blocked on the upstream not reading (backpressure): the upstream's timeout after all.
  if (proxyReq !== null && proxyReq.writableNeedDrain) return error;
  return CLIENT_BODY_TIMEOUT;
}

/** Which engine forwards: node:http (default, measured faster) or the http-proxy library. */
export type ForwarderKind = "node" | "http-proxy";
