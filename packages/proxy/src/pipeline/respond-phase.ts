import { asGatewayError, sendError } from "../errors";
import { finishRequest } from "./log-phase";
import type { RequestContext } from "./request-context";

/** The upstream's answer was relayed whole: the respond phase sees it, then the request is logged. */
export function respondComplete(request: RequestContext, status: number): void {
  const steps = request.route.chain.respond;
  for (let i = 0; i < steps.length; i++) steps[i].onComplete?.(request, status);
  finishRequest(request, status, null);
}

/**
 * Ends the request with an error: a respond step may answer in its place (fallbacks), else the one JSON error.
 * Every answer carries the gateway's own headers (request id, rate-limit state).
 */
export function respondError(request: RequestContext, thrown: unknown): void {
  const error = asGatewayError(thrown);
  const res = request.res;
  if (res.destroyed) return finishRequest(request, 499, null);
  if (!res.headersSent) {
    const extra = request.responseHeaders;
    for (let i = 0; i < extra.length; i += 2) res.setHeader(extra[i], extra[i + 1]);
    const steps = request.route.chain.respond;
    for (let i = 0; i < steps.length; i++) {
      const onError = steps[i].onError;
      if (onError === undefined) continue;
      let status: number | null;
      try {
        status = onError(request, error, res);
      } catch {
        res.destroy();
        request.outcome = "fallback";
        return finishRequest(request, 500, error.code);
      }
      if (status !== null) {
        request.outcome = "fallback";
        return finishRequest(request, status, error.code);
      }
    }
    // The body was not read: the connection's framing is not to be trusted.
    if (error.status === 413) res.setHeader("connection", "close");
  }
  request.outcome = error.outcome;
  sendError(res, error, request.requestId);
  finishRequest(request, error.status, error.code);
}
