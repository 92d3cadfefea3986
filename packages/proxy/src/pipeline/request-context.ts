import type { IncomingMessage, ServerResponse } from "node:http";
import type { GatewayError } from "../errors";
import type { ForwardCall, Forwarder } from "../forward/forwarder";
import { MAX_KEPT_BODY } from "../policies/last-good-cache";
import type { Outcome } from "../telemetry/rollup-recorder";
import type { CompiledRoute, CompiledService, FinishedRequest, LogStep, RequestState, TraceContext, TryRecord } from "./compiled-route";
import type { GatewayRuntime } from "./gateway-runtime";

/** What every request of a worker shares: the forwarding engine, time and chance, the forward phase's hooks and the log phase. */
export interface PipelineEnv {
  readonly forwarder: Forwarder;
  readonly runtime: GatewayRuntime;
  readonly onUpstreamResponse: (request: RequestContext, answer: IncomingMessage) => boolean;
  readonly onAttemptDone: (request: RequestContext, error: GatewayError | null, status: number) => void;
  readonly log: LogStep;
}

/**
 * One routed request's data as it goes through the phases: what came in, what the policies decided, the state
 * of its current upstream attempt and what it ended with. It holds no policy logic: the forwarder's hooks go to
 * the forward phase (env), so an attempt allocates no closures.
 */
export class RequestContext implements RequestState, ForwardCall, FinishedRequest {
  // What came in (set by the request handler before the pipeline runs).
  requestId = "";
  clientIp = "";
  path = "";
  method = "";
  contentLength: string | undefined = undefined;
  /** The request carries a body (which the gateway streams: it can be sent again only if no attempt read it). */
  hasBody = false;
  /** The upstream request's headers (flat name/value list); policies add to it. */
  upstreamHeaders: string[] = [];
  responseHeaders: string[] = [];
  trace!: TraceContext;

  // What the phases decided.
  service: CompiledService;
  consumer: string | null = null;
  decisions: Record<string, string | number> | null = null;
  outcome: Outcome = "proxied";

  // The forward phase's attempts.
  /** Attempts made so far minus one. */
  attempt = 0;
  /** The target of the current attempt (an index into service.targets), -1 before the first. */
  target = -1;
  attemptStarted = 0;
  remainingMs = 0;
  connectedAt = 0;
  firstByteAt = 0;
  /** The current attempt reached a connected socket (ForwardCall.requestSent). */
  requestSent = false;
  readonly tries: TryRecord[] = [];
  /** The current answer is dropped for a retry. */
  dropForRetry = false;
  /** A retry-budget slot taken for the next attempt, and one held by the running attempt (a retry). */
  slotReserved = false;
  slotInUse = false;
  /** Counted in the route's retry budget as a request in flight. */
  counted = false;

  // The respond phase's copy of the answer (last-good keeping).
  capturing = false;
  captured: Buffer[] | null = null;
  capturedBytes = 0;
  capturedHeaders: IncomingMessage["headers"] | null = null;

  // How it ended (log phase).
  finished = false;
  status = 0;
  errorCode: string | null = null;
  ms = 0;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly route: CompiledRoute,
    readonly env: PipelineEnv,
    /** performance.now() when the request arrived. */
    readonly started: number,
  ) {
    this.service = route.service;
  }

  get routeName(): string {
    return this.route.name;
  }

  get serviceName(): string {
    return this.service.name;
  }

  get timeouts() {
    return this.route.timeouts;
  }

  get maxBodyBytes() {
    return this.route.maxBodyBytes;
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

  onResponse(answer: IncomingMessage): boolean {
    return this.env.onUpstreamResponse(this, answer);
  }

  capture(chunk: Buffer): void {
    if (this.captured === null) return;
    this.capturedBytes += chunk.length;
    // Too large to keep (a chunked answer, whose size the head did not say): stop copying.
    if (this.capturedBytes > MAX_KEPT_BODY) this.captured = null;
    else this.captured.push(chunk);
  }

  onDone(error: GatewayError | null, status: number): void {
    this.env.onAttemptDone(this, error, status);
  }
}
