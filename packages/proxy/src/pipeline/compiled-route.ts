import type { IncomingMessage, ServerResponse } from "node:http";
import type { Timeouts } from "@bulwark/config/schema";
import type { GatewayError } from "../errors";
import type { LastGoodCache } from "../policies/last-good-cache";
import type { RetryBudget } from "../policies/retry-budget";
import type { Balancer } from "../upstream/balancing/create-balancer";
import type { CircuitBreaker } from "../upstream/circuit-breaker";
import type { UpstreamTarget } from "../upstream/upstream-target";
import type { Outcome } from "../telemetry/rollup-recorder";

// The shapes a compiled config version is made of, and what a policy may see of a request. They live together
// because they refer to each other (a route holds its chain, a chain's steps see the request, the request holds
// its route); policies and phases import from here, never from one another.

/** The W3C trace this request belongs to and the gateway's own span in it. */
export interface TraceContext {
  traceId: string;
  spanId: string;
  /** The caller's span, when the request came with a traceparent. */
  parentSpanId: string | null;
  sampled: boolean;
}

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

/** What a policy sees of a request: its data, and the few ways it may change what goes up and comes back. */
export interface RequestState {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly route: CompiledRoute;
  readonly requestId: string;
  readonly clientIp: string;
  /** The client's Content-Length, as sent. */
  readonly contentLength: string | undefined;
  /** The service that will be asked; the route phase may change it (split). */
  service: CompiledService;
  /** The authenticated consumer, once an auth policy admitted the request. */
  consumer: string | null;
  /** The gateway's own answer headers (flat, lower-case names): every answer carries them. */
  readonly responseHeaders: string[];
  addUpstreamHeader(name: string, value: string): void;
  addResponseHeader(name: string, value: string): void;
  /** Records what the gateway decided (breaker, fallback, rate limit, fault), for traces. */
  decide(what: string, value: string | number): void;
  /** Body chunks of the answer, kept while `capturing` (respond phase: last-good keeping). */
  captured: Buffer[] | null;
  capturedBytes: number;
  capturedHeaders: IncomingMessage["headers"] | null;
  capturing: boolean;
}

/** Admit phase: throws a GatewayError to stop the request, or returns a promise to make it wait. */
export type AdmitStep = (request: RequestState) => void | Promise<void>;

/** Route phase: chooses where the request goes (request.service). */
export type RouteStep = (request: RequestState) => void;

/** Respond phase: sees the answer on its way back, and may answer in the upstream's place when it fails. */
export interface RespondStep {
  /** The upstream's answer head arrived and is about to be relayed. */
  onHead?(request: RequestState, answer: IncomingMessage): void;
  /** The upstream's answer was relayed whole. */
  onComplete?(request: RequestState, status: number): void;
  /** The request failed before an answer was sent: answer instead (returning the status sent), or null to pass. */
  onError?(request: RequestState, error: GatewayError, res: ServerResponse): number | null;
}

/** A route's policies in phase order; a policy the route does not use is absent, not an `if` on the hot path. */
export interface CompiledChain {
  readonly admit: readonly AdmitStep[];
  readonly route: readonly RouteStep[];
  readonly respond: readonly RespondStep[];
}

export interface CompiledRetry {
  readonly attempts: number;
  /** Indexed by status: retry on it? */
  readonly statuses: Uint8Array;
  readonly methods: ReadonlySet<string>;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/** Per-service state that outlives snapshots: kept across reloads while the service's targets are unchanged. */
export interface ServiceRuntime {
  readonly signature: string;
  readonly balancer: Balancer;
  /** Null when the service has no circuit breaker. */
  readonly breaker: CircuitBreaker | null;
  /** Feeds passive outlier ejection: did the request sent to target `index` fail upstream? */
  report(index: number, failed: boolean): void;
}

/** Per-route state that outlives snapshots while the route's retry and fallback settings are unchanged. */
export interface RouteRuntime {
  readonly signature: string;
  readonly retryBudget: RetryBudget;
  /** Null unless the route's fallback serves last-good answers. */
  readonly lastGood: LastGoodCache | null;
}

export interface CompiledService {
  readonly name: string;
  readonly targets: readonly UpstreamTarget[];
  readonly runtime: ServiceRuntime;
}

export interface CompiledRoute {
  readonly name: string;
  readonly service: CompiledService;
  /** Characters to cut from the start of the path when forwarding (strip prefix), or 0. */
  readonly stripLength: number;
  readonly timeouts: Timeouts;
  /** Infinity when unlimited. */
  readonly maxBodyBytes: number;
  readonly chain: CompiledChain;
  /** Null when the route never retries (forward phase). */
  readonly retry: CompiledRetry | null;
  readonly runtime: RouteRuntime;
}

/** What the log phase and telemetry read of a finished request. */
export interface FinishedRequest {
  readonly routeName: string | null;
  readonly serviceName: string | null;
  readonly status: number;
  readonly errorCode: string | null;
  readonly outcome: Outcome;
  /** Attempts beyond the first. */
  readonly attempt: number;
  readonly ms: number;
  readonly method: string;
  readonly path: string;
  /** performance.now() when the request arrived. */
  readonly started: number;
  readonly trace: TraceContext;
  /** Every upstream attempt, in order (empty when refused before forwarding). */
  readonly tries: readonly TryRecord[];
  readonly decisions: Readonly<Record<string, string | number>> | null;
}

/** Log phase: runs once for every request, whatever its outcome. */
export type LogStep = (finished: FinishedRequest) => void;
