import type { IncomingMessage } from "node:http";
import { GatewayError } from "../errors";
import { backoffMs } from "../policies/retry";
import { finishRequest } from "./log-phase";
import type { RequestContext } from "./request-context";
import { respondComplete, respondError } from "./respond-phase";

const CIRCUIT_OPEN = new GatewayError("CIRCUIT_OPEN", "the service's circuit breaker is open; it is failing and gets time to recover");
const NO_TARGET = new GatewayError("NO_HEALTHY_UPSTREAM", "the service has no target that can take the request");
// Failures after the request went out where the upstream may not have acted on it (a reset before any answer):
// retried for the route's methods, without a body. A failure before it went out is retried for every method.
const RETRYABLE = new Set(["UPSTREAM_CONNECTION_REFUSED", "UPSTREAM_UNREACHABLE", "UPSTREAM_CONNECT_TIMEOUT", "UPSTREAM_CONNECTION_RESET"]);

/**
 * The forward phase: breaker -> balance -> forward, with retries to another target under the route's retry
 * budget; every attempt's outcome feeds the target's outlier detection, the breaker and the balancer.
 */
export function startForward(request: RequestContext): void {
  if (request.route.retry !== null) {
    request.route.runtime.retryBudget.requestStarted();
    request.counted = true;
  }
  attemptNow(request);
}

function attemptNow(request: RequestContext): void {
  if (request.res.destroyed) return finishRequest(request, 499, null);
  const service = request.service;
  const rt = service.runtime;
  const breaker = rt.breaker;
  if (breaker !== null && !breaker.tryAcquire()) {
    request.decide("breaker", "open");
    return respondError(request, CIRCUIT_OPEN);
  }
  const index = rt.balancer.pick(request.req, request.target);
  if (index < 0) {
    breaker?.cancel();
    return respondError(request, NO_TARGET);
  }
  request.target = index;
  const now = performance.now();
  request.attemptStarted = now;
  request.connectedAt = request.firstByteAt = 0;
  request.requestSent = false;
  request.remainingMs = Math.max(1, request.route.timeouts.totalMs - (now - request.started));
  request.env.forwarder.forward(request.req, request.res, service.targets[index], request);
}

/**
 * May this request be tried again? Takes a slot of the retry budget when it may. `unsent`: the attempt failed
 * before anything of the request left the gateway (nginx's proxy_next_upstream error, Envoy's connect-failure),
 * so the upstream never saw it and the client's body is still unread: any method may go again, body or not.
 * Otherwise only the route's methods without a body (a streamed body cannot be sent twice).
 */
function mayRetry(request: RequestContext, unsent: boolean): boolean {
  const retry = request.route.retry;
  if (retry === null || request.attempt >= retry.attempts || request.res.destroyed) return false;
  if (!unsent && (request.hasBody || !retry.methods.has(request.method))) return false;
  if (performance.now() - request.started >= request.route.timeouts.totalMs) return false;
  if (!request.route.runtime.retryBudget.tryRetry()) return false;
  request.slotReserved = true;
  return true;
}

/** The upstream's answer head: dropped for a retry (false), or handed to the respond phase and relayed (true). */
export function onUpstreamResponse(request: RequestContext, answer: IncomingMessage): boolean {
  const status = answer.statusCode ?? 502;
  const retry = request.route.retry;
  if (retry !== null && retry.statuses[status] === 1 && mayRetry(request, false)) {
    request.dropForRetry = true;
    return false;
  }
  const steps = request.route.chain.respond;
  for (let i = 0; i < steps.length; i++) steps[i].onHead?.(request, answer);
  return true;
}

/** One attempt ended: account for it, then retry, answer the error, or finish. */
export function onAttemptDone(request: RequestContext, error: GatewayError | null, status: number): void {
  const service = request.service;
  const rt = service.runtime;
  const ended = performance.now();
  const start = request.attemptStarted;
  const ms = ended - start;
  rt.balancer.release(request.target, ms);
  request.tries.push({
    service: service.name,
    target: service.targets[request.target].address,
    startedAt: start,
    durationMs: ms,
    connectMs: request.connectedAt > 0 ? request.connectedAt - start : null,
    firstByteMs: request.firstByteAt > 0 ? request.firstByteAt - start : null,
    status: error !== null ? error.status : status,
    errorCode: error !== null ? error.code : null,
  });
  if (request.slotInUse) {
    request.slotInUse = false;
    request.route.runtime.retryBudget.retryFinished();
  }
  // Upstream 5xx and connection failures count against the target and the breaker; a client hanging up, a
  // client too slow with its body (CLIENT_BODY_TIMEOUT) and errors the gateway made itself (413) say nothing
  // about the upstream.
  const upstreamFailed = error !== null ? error.upstream : status >= 500;
  if (status === 499 || (error !== null && !error.upstream)) rt.breaker?.cancel();
  else {
    rt.report(request.target, upstreamFailed);
    rt.breaker?.record(!upstreamFailed, ms);
  }
  if (request.dropForRetry) {
    request.dropForRetry = false;
    return retryLater(request);
  }
  if (error !== null) {
    if (!request.res.headersSent && error.upstream) {
      if (request.requestSent ? RETRYABLE.has(error.code) && mayRetry(request, false) : mayRetry(request, true)) return retryLater(request, !request.requestSent);
    }
    // The rest of a body that was not read cannot be told from a next request: the connection closes.
    if (error.code === "CLIENT_BODY_TIMEOUT" && !request.res.headersSent) request.res.setHeader("connection", "close");
    return respondError(request, error);
  }
  if (status === 499) return finishRequest(request, 499, null);
  respondComplete(request, status);
}

/**
 * Jittered exponential backoff (full jitter), then another attempt, preferably on another target. An attempt
 * that never left the gateway goes to another target at once, as nginx's proxy_next_upstream does: the backoff
 * spares a struggling upstream, and this one never saw the request (on a service of one target it waits too).
 */
function retryLater(request: RequestContext, unsent = false): void {
  request.attempt++;
  request.capturing = false;
  request.captured = null;
  // The slot stays taken through the backoff, so waiting retries count against the budget too.
  request.slotInUse = request.slotReserved;
  request.slotReserved = false;
  if (unsent && request.service.targets.length > 1) setImmediate(attemptNow, request);
  else setTimeout(attemptNow, backoffMs(request.route.retry!, request.attempt, request.env.runtime.random), request);
}
