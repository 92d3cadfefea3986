import type { ServerResponse } from "node:http";
import { GATEWAY_ERRORS, type GatewayErrorCode } from "@bulwark/config/error-catalog";
import type { Outcome } from "./telemetry/rollup-recorder";

/**
 * How a phase stops a request: a stable code from the one error catalog (@bulwark/config/error-catalog), which
 * also gives its status and, unless a more precise one is given, its message.
 */
export class GatewayError extends Error {
  readonly status: number;

  constructor(
    readonly code: GatewayErrorCode,
    message: string = GATEWAY_ERRORS[code].meaning,
    /** Extra response headers (Retry-After, RateLimit-*). */
    readonly headers: Readonly<Record<string, string>> | null = null,
    /** How dashboards count a request that ends with this error: upstream failures count as proxied. */
    readonly outcome: Outcome = code.startsWith("UPSTREAM_") ? "proxied" : "rejected",
    /** Only for a code whose status the config chooses (FAULT_INJECTED). */
    status?: number,
  ) {
    super(message);
    const declared = GATEWAY_ERRORS[code].status;
    this.status = declared === "configured" ? (status ?? 500) : declared;
  }

  /** Errors of the upstream (refused, reset, timed out), as opposed to ones the gateway or client made. */
  get upstream(): boolean {
    return this.code.startsWith("UPSTREAM_");
  }

  /** Errors that mean the service cannot answer, which a route's fallback answers in its place. */
  get fallbackable(): boolean {
    return this.upstream || this.code === "CIRCUIT_OPEN" || this.code === "NO_HEALTHY_UPSTREAM";
  }
}

const GATEWAY_ERROR = new GatewayError("GATEWAY_ERROR", "the gateway failed to handle the request");
/** What any thrown value becomes: a GatewayError as it is, anything else the gateway's own 500. */
export function asGatewayError(thrown: unknown): GatewayError {
  return thrown instanceof GatewayError ? thrown : GATEWAY_ERROR;
}

const JSON_TYPE = "application/json";

/** The one place a gateway error becomes an answer; once headers are out, only closing the socket is honest. */
export function sendError(res: ServerResponse, error: GatewayError, requestId: string | undefined): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: error.code, message: error.message, requestId } });
  try {
    if (error.headers !== null) for (const name in error.headers) res.setHeader(name, error.headers[name]);
    res.writeHead(error.status, { "content-type": JSON_TYPE, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
    res.end(body);
  } catch {
    res.destroy();
  }
}

/** Maps an error from the forwarding engine (socket errors, our own timeouts) to the gateway's answer. */
export function upstreamError(error: NodeJS.ErrnoException): GatewayError {
  if (error instanceof GatewayError) return error;
  switch (error.code) {
    case "ECONNREFUSED":
      return new GatewayError("UPSTREAM_CONNECTION_REFUSED", "the upstream refused the connection");
    case "ECONNRESET":
    case "EPIPE":
      return new GatewayError("UPSTREAM_CONNECTION_RESET", "the upstream closed the connection");
    case "ETIMEDOUT":
      return new GatewayError("UPSTREAM_TIMEOUT", "the upstream did not answer in time");
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new GatewayError("UPSTREAM_UNREACHABLE", "the upstream cannot be reached");
    default:
      return new GatewayError("UPSTREAM_ERROR", "the upstream request failed");
  }
}
