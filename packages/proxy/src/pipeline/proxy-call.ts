import type { IncomingMessage, ServerResponse } from "node:http";
import type { CompiledRoute, CompiledService } from "../config/compile-snapshot";
import { MAX_CAPTURE_BYTES, serveFallback } from "../policies/fallback";
import type { ForwardCall, Forwarder } from "../forward/forwarder";
import { GatewayError, sendError } from "../errors";
import type { GatewayRuntime } from "./gateway-runtime";
import type { TraceContext } from "./handle-request";
import type { Outcome } from "../telemetry/rollup-recorder";

/** What every call of a worker shares: the engine, time and chance, and where finished requests are reported. */
export interface CallEnv {
  forwarder: Forwarder;
  runtime: GatewayRuntime;
  onFinish(call: ProxyCall, status: number, code: string | null): void;
}

const CIRCUIT_OPEN = new GatewayError(503, "CIRCUIT_OPEN", "the service's circuit breaker is open; it is failing and gets time to recover");
const NO_TARGET = new GatewayError(503, "NO_HEALTHY_UPSTREAM", "the service has no target that can take the request");
// Failures where the upstream never saw the request (or reset before answering): safe to retry idempotent requests.
/** One upstream attempt, for traces. */
export interface TryRecord {
  service: string;
  target: string;
  /** performance.now() at its start. */
  startedAt: number;
  durationMs: number;
  /** Time to a new connection (null: a kept-alive one), and to the answer's first byte. */
  connectMs: number | null;
  firstByteMs: number | null;
  status: number;
  errorCode: string | null;
}

const RETRYABLE = new Set(["UPSTREAM_CONNECTION_REFUSED", "UPSTREAM_UNREACHABLE", "UPSTREAM_CONNECT_TIMEOUT", "UPSTREAM_CONNECTION_RESET"]);

/**
 * One request after routing: admission stages, then breaker -> balance -> forward, with retries to another target
 * under the route's retry budget, and the route's fallback when the service cannot answer. Implements the
 * forwarder's hooks itself, so an attempt allocates no closures.
 */
export class ProxyCall implements ForwardCall {
  service: CompiledService;
  outcome: Outcome = "proxied";
  /** The authenticated consumer, once the route's auth stage admitted the request. */
  consumer: string | null = null;
  /** Attempts made so far minus one. */
  attempt = 0;
  remainingMs = 0;
  capturing = false;
  connectedAt = 0;
  firstByteAt = 0;
  /** Every upstream attempt, in order. */
  readonly tries: TryRecord[] = [];
  /** What the gateway decided along the way (breaker, fallback, rate limit, fault), for traces; null when nothing. */
  decisions: Record<string, string | number> | null = null;
  private target = -1;
  private attemptStarted = 0;
  private dropForRetry = false;
  /** A retry-budget slot taken for the next attempt, and one held by the running attempt (a retry). */
  private slotReserved = false;
  private slotInUse = false;
  private counted = false;
  private finished = false;
  private captured: Buffer[] | null = null;
  private capturedBytes = 0;
  private capturedHeaders: IncomingMessage["headers"] | null = null;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly route: CompiledRoute,
    readonly requestId: string,
    readonly clientIp: string,
    /** The request carries a body (which the gateway streams, so it cannot be replayed). */
    readonly hasBody: boolean,
    /** The client's Content-Length, as sent. */
    readonly contentLength: string | undefined,
    /** The upstream request's headers (flat name/value list); stages add to it. */
    readonly upstreamHeaders: string[],
    /** The gateway's own answer headers (flat, lower-case names); stages add to it, every answer carries them. */
    readonly responseHeaders: string[],
    readonly started: number,
    /** The normalised request path, before any strip prefix. */
    readonly path: string,
    readonly trace: TraceContext,
    private readonly env: CallEnv,
  ) {
    this.service = route.service;
  }

  get lastTry(): TryRecord | null {
    return this.tries.length ? this.tries[this.tries.length - 1] : null;
  }

  /** A header for the upstream request (the client's own by that name was already removed). */
  addUpstreamHeader(name: string, value: string): void {
    this.upstreamHeaders.push(name, value);
  }

  /** A header for whatever answer the client gets (upstream's, fallback or error); `name` lower-case. */
  addResponseHeader(name: string, value: string): void {
    this.responseHeaders.push(name, value);
  }

  decide(what: string, value: string | number): void {
    (this.decisions ??= {})[what] = value;
  }

  get timeouts() {
    return this.route.timeouts;
  }

  get maxBodyBytes() {
    return this.route.maxBodyBytes;
  }

  /** Runs the route's stages in order; a stage that returns a promise resumes the rest when it settles. */
  run(from = 0): void {
    const stages = this.route.stages;
    try {
      for (let i = from; i < stages.length; i++) {
        const wait = stages[i](this);
        if (wait !== undefined) {
          wait.then(
            () => (this.res.destroyed ? this.finish(499, null) : this.run(i + 1)),
            (error: unknown) => this.fail(error),
          );
          return;
        }
      }
    } catch (error) {
      this.fail(error);
      return;
    }
    this.begin();
  }

  private begin(): void {
    const split = this.route.split;
    if (split !== null) {
      const header = split.header === null ? undefined : this.req.headers[split.header];
      if ((header !== undefined && header === split.value) || (split.percent > 0 && this.env.runtime.random() * 100 < split.percent)) this.service = split.service;
    }
    if (this.route.retry !== null) {
      this.route.runtime.retryBudget.requestStarted();
      this.counted = true;
    }
    this.attemptNow();
  }

  private attemptNow(): void {
    if (this.res.destroyed) return this.finish(499, null);
    const rt = this.service.runtime;
    const breaker = rt.breaker;
    if (breaker !== null && !breaker.tryAcquire()) {
      this.decide("breaker", "open");
      return this.fail(CIRCUIT_OPEN);
    }
    const index = rt.balancer.pick(this.req, this.target);
    if (index < 0) {
      breaker?.cancel();
      return this.fail(NO_TARGET);
    }
    this.target = index;
    const now = performance.now();
    this.attemptStarted = now;
    this.connectedAt = this.firstByteAt = 0;
    this.remainingMs = Math.max(1, this.route.timeouts.totalMs - (now - this.started));
    this.env.forwarder.forward(this.req, this.res, this.service.targets[index], this);
  }

  /** May this request be tried again? Takes a slot of the retry budget when it may. */
  private mayRetry(): boolean {
    const retry = this.route.retry;
    if (retry === null || this.attempt >= retry.attempts || this.hasBody || this.res.destroyed) return false;
    if (!retry.methods.has(this.req.method ?? "")) return false;
    if (performance.now() - this.started >= this.route.timeouts.totalMs) return false;
    if (!this.route.runtime.retryBudget.tryRetry()) return false;
    this.slotReserved = true;
    return true;
  }

  onResponse(proxyRes: IncomingMessage): boolean {
    const status = proxyRes.statusCode ?? 502;
    const retry = this.route.retry;
    if (retry !== null && retry.statuses[status] === 1 && this.mayRetry()) {
      this.dropForRetry = true;
      return false;
    }
    const fallback = this.route.fallback;
    if (fallback !== null && fallback.lastGood && status === 200 && this.req.method === "GET") {
      const length = Number(proxyRes.headers["content-length"] ?? 0);
      if (length <= MAX_CAPTURE_BYTES) {
        this.capturing = true;
        this.captured = [];
        this.capturedBytes = 0;
        this.capturedHeaders = proxyRes.headers;
      }
    }
    return true;
  }

  capture(chunk: Buffer): void {
    if (this.captured === null) return;
    this.capturedBytes += chunk.length;
    if (this.capturedBytes > MAX_CAPTURE_BYTES) this.captured = null;
    else this.captured.push(chunk);
  }

  onDone(error: GatewayError | null, status: number): void {
    const rt = this.service.runtime;
    const ended = performance.now();
    const ms = ended - this.attemptStarted;
    rt.balancer.release(this.target, ms);
    const start = this.attemptStarted;
    this.tries.push({
      service: this.service.name,
      target: this.service.targets[this.target].address,
      startedAt: start,
      durationMs: ms,
      connectMs: this.connectedAt > 0 ? this.connectedAt - start : null,
      firstByteMs: this.firstByteAt > 0 ? this.firstByteAt - start : null,
      status: error !== null ? error.status : status,
      errorCode: error !== null ? error.code : null,
    });
    if (this.slotInUse) {
      this.slotInUse = false;
      this.route.runtime.retryBudget.retryFinished();
    }
    // Upstream 5xx and connection failures count against the target and the breaker; a client hanging up and
    // errors the gateway made itself (413) say nothing about the upstream.
    const upstreamFailed = error !== null ? error.upstream : status >= 500;
    if (status === 499 || (error !== null && !error.upstream)) rt.breaker?.cancel();
    else {
      rt.report(this.target, upstreamFailed);
      rt.breaker?.record(!upstreamFailed, ms);
    }
    if (this.dropForRetry) {
      this.dropForRetry = false;
      return this.retryLater();
    }
    if (error !== null) {
      if (!this.res.headersSent && RETRYABLE.has(error.code) && this.mayRetry()) return this.retryLater();
      return this.fail(error);
    }
    if (this.captured !== null && this.capturedHeaders !== null && status === 200) {
      this.route.runtime.lastGood.keep(this.req.url ?? "", this.capturedHeaders, this.captured, this.capturedBytes);
    }
    this.finish(status, null);
  }

  /** Jittered exponential backoff (full jitter), then another attempt, preferably on another target. */
  private retryLater(): void {
    const retry = this.route.retry!;
    this.attempt++;
    this.capturing = false;
    this.captured = null;
    const cap = Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** (this.attempt - 1));
    // The slot stays taken through the backoff, so waiting retries count against the budget too.
    this.slotInUse = this.slotReserved;
    this.slotReserved = false;
    setTimeout(() => this.attemptNow(), this.env.runtime.random() * cap);
  }

  private releaseRetrySlots(): void {
    const budget = this.route.runtime.retryBudget;
    if (this.slotInUse) budget.retryFinished();
    if (this.slotReserved) budget.retryFinished();
    this.slotInUse = this.slotReserved = false;
  }

  /** Ends the request with an error: the route's fallback where one applies, else the JSON error. */
  fail(thrown: unknown): void {
    const error = thrown instanceof GatewayError ? thrown : new GatewayError(500, "GATEWAY_ERROR", "the gateway failed to handle the request");
    const res = this.res;
    if (res.destroyed) return this.finish(499, null);
    if (!res.headersSent) {
      const extra = this.responseHeaders;
      for (let i = 0; i < extra.length; i += 2) res.setHeader(extra[i], extra[i + 1]);
    }
    const fallback = this.route.fallback;
    if (fallback !== null && !res.headersSent && (error.upstream || error === CIRCUIT_OPEN || error === NO_TARGET)) {
      this.outcome = "fallback";
      try {
        const [status, kind] = serveFallback(fallback, this.route.runtime.lastGood, this.req, res);
        this.decide("fallback", kind);
        return this.finish(status, error.code);
      } catch {
        res.destroy();
        return this.finish(500, error.code);
      }
    }
    this.outcome = error.outcome;
    // The body was not read: the connection's framing is not to be trusted.
    if (error.status === 413 && !res.headersSent) res.setHeader("connection", "close");
    sendError(res, error, this.requestId);
    this.finish(error.status, error.code);
  }

  private finish(status: number, code: string | null): void {
    if (this.finished) return;
    this.finished = true;
    this.releaseRetrySlots();
    if (this.counted) this.route.runtime.retryBudget.requestFinished();
    this.env.onFinish(this, status, code);
  }
}
