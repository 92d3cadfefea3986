/**
 * Every error code Bulwark answers, declared once: the gateway's (data plane and its admin port) and the admin
 * API's (console and /api/v1). Clients, dashboards and docs rely on these codes, so they are stable; the docs'
 * tables (docs/errors.md) are generated from here, and error-catalog.test.ts fails when the code answers a code
 * that is not here, or this declares one nothing answers.
 *
 * Two sides, two maps: NOT_FOUND and INVALID_TOKEN are answered by both, with the same status but a different
 * meaning (an admin-port path vs an API entity; a route's JWT vs an API token).
 */

export type ErrorSide = "gateway" | "api";

export interface ErrorSpec<S extends ErrorSide = ErrorSide> {
  /** The HTTP status; "configured" when the route's config chooses it (fault injection). */
  readonly status: number | "configured";
  readonly side: S;
  /** One line a client or operator can act on. */
  readonly meaning: string;
}

function frozen<T extends Record<string, ErrorSpec>>(specs: T): Readonly<T> {
  for (const spec of Object.values(specs)) Object.freeze(spec);
  return Object.freeze(specs);
}

/** What the gateway answers, as `{"error": {"code", "message", "requestId"}}`. */
export const GATEWAY_ERRORS = frozen({
  BAD_REQUEST: {
    status: 400,
    side: "gateway",
    meaning:
      "the request could not be parsed: a bad request line, a path that cannot be made canonical (it climbs above /, or carries an encoded slash or backslash, a control character or a broken escape: docs/gateway.md), two Host headers or a bad one, an HTTP version other than 1.0 and 1.1, or ambiguous framing; the connection is closed",
  },
  UNAUTHORIZED: {
    status: 401,
    side: "gateway",
    meaning: "this route needs credentials (an API key or a bearer token); on the admin port, /status and /metrics need Authorization: Bearer <GATEWAY_ADMIN_TOKEN>",
  },
  INVALID_API_KEY: { status: 401, side: "gateway", meaning: "the API key is not valid: it belongs to no published consumer" },
  INVALID_TOKEN: { status: 401, side: "gateway", meaning: "the bearer token is not valid, or does not name a consumer" },
  TOKEN_EXPIRED: { status: 401, side: "gateway", meaning: "the bearer token has expired (exp, with the route's clock skew)" },
  TOKEN_NOT_YET_VALID: { status: 401, side: "gateway", meaning: "the bearer token is not valid yet (nbf, with the route's clock skew)" },
  IP_FORBIDDEN: { status: 403, side: "gateway", meaning: "requests from this client address are not allowed on this route (ipAllow, ipDeny)" },
  NOT_FOUND: { status: 404, side: "gateway", meaning: "the admin port has no such endpoint: it serves /healthz, /readyz, /status and /metrics" },
  ROUTE_NOT_FOUND: { status: 404, side: "gateway", meaning: "no route matches this request's host, path and method" },
  REQUEST_TIMEOUT: {
    status: 408,
    side: "gateway",
    meaning: "the request took too long to arrive (GATEWAY_HEADERS_TIMEOUT_MS, GATEWAY_REQUEST_TIMEOUT_MS); the connection is closed",
  },
  CLIENT_BODY_TIMEOUT: {
    status: 408,
    side: "gateway",
    meaning:
      "the client was still sending the request body when the route's timeout (timeouts.responseHeaderMs or totalMs) ran out; counted against the client, not the service; the connection is closed",
  },
  PAYLOAD_TOO_LARGE: { status: 413, side: "gateway", meaning: "the request body is larger than this route accepts (maxBodyBytes); the connection is closed" },
  RATE_LIMITED: { status: 429, side: "gateway", meaning: "too many requests for this route; slow down and retry after Retry-After seconds" },
  HEADERS_TOO_LARGE: { status: 431, side: "gateway", meaning: "the request's headers are too large, or more than GATEWAY_MAX_HEADERS fields; the connection is closed" },
  GATEWAY_ERROR: { status: 500, side: "gateway", meaning: "the gateway failed to handle the request, or to build the upstream request; see the gateway's log" },
  METRICS_FAILED: { status: 500, side: "gateway", meaning: "the admin port's /metrics could not be collected from the workers; try again" },
  UPSTREAM_CONNECTION_REFUSED: { status: 502, side: "gateway", meaning: "the upstream refused the connection" },
  UPSTREAM_CONNECTION_RESET: { status: 502, side: "gateway", meaning: "the upstream closed the connection, before its answer or in the middle of its body" },
  UPSTREAM_UNREACHABLE: { status: 502, side: "gateway", meaning: "the upstream cannot be reached (host or network unreachable, name not found)" },
  UPSTREAM_ERROR: { status: 502, side: "gateway", meaning: "the upstream request failed for another reason" },
  NO_CONFIG: { status: 503, side: "gateway", meaning: "the gateway has not loaded a config yet: publish one, or wait for the worker to load it" },
  LOAD_SHED: { status: 503, side: "gateway", meaning: "the gateway is overloaded and sheds this route's traffic first (by its priority); retry shortly (Retry-After: 1)" },
  CIRCUIT_OPEN: {
    status: 503,
    side: "gateway",
    meaning: "the service's circuit breaker is open: it is failing and gets time to recover (replaced by the route's fallback when it has one)",
  },
  NO_HEALTHY_UPSTREAM: {
    status: 503,
    side: "gateway",
    meaning: "the service has no target that can take the request (replaced by the route's fallback when it has one)",
  },
  AUTH_UNAVAILABLE: { status: 503, side: "gateway", meaning: "the keys to verify the token (the route's JWKS) cannot be fetched right now" },
  UPSTREAM_CONNECT_TIMEOUT: { status: 504, side: "gateway", meaning: "the upstream did not accept the connection in time (the route's timeouts.connectMs)" },
  UPSTREAM_TIMEOUT: { status: 504, side: "gateway", meaning: "the upstream did not answer or finish in time (the route's timeouts.responseHeaderMs or totalMs)" },
  FAULT_INJECTED: { status: "configured", side: "gateway", meaning: "aborted by the route's fault injection (faults.abort), with the status it configures; never reached the upstream" },
} as const satisfies Record<string, ErrorSpec<"gateway">>);

/** What the admin API (/api/v1) and the console's server answer, as `{"error": {"code", "message", ...}}`. */
export const API_ERRORS = frozen({
  BAD_JSON: { status: 400, side: "api", meaning: "the request body must be JSON, and is missing or not valid JSON" },
  JSON_TOO_DEEP: { status: 400, side: "api", meaning: "the request body is nested deeper than 32 levels" },
  BAD_PATH_PARAMETER: { status: 400, side: "api", meaning: "a path parameter holds a NUL or broken Unicode, or is longer than 512 characters" },
  BAD_URL: { status: 400, side: "api", meaning: "the page or API URL holds a NUL or malformed percent-encoding" },
  NOT_A_SESSION: { status: 400, side: "api", meaning: "sign-out ends a session; API tokens are revoked with DELETE /api/v1/tokens/{id}" },
  UNAUTHENTICATED: { status: 401, side: "api", meaning: "no credentials, or the session ended: sign in, or send an API token as Authorization: Bearer" },
  INVALID_TOKEN: { status: 401, side: "api", meaning: "the API token is unknown, revoked or expired" },
  INVALID_CREDENTIALS: { status: 401, side: "api", meaning: "sign-in: the email or password is wrong" },
  FORBIDDEN: { status: 403, side: "api", meaning: "the role is too weak for this: reading needs viewer, changing needs operator, users, tokens and the audit log need admin" },
  CSRF_REJECTED: {
    status: 403,
    side: "api",
    meaning: "a state-changing request signed in by cookie needs an Origin header naming this console (a reverse proxy must pass the original Host)",
  },
  NOT_FOUND: { status: 404, side: "api", meaning: "no such service, route, consumer, key, version, SLO, user or token" },
  NO_CHANGES: { status: 409, side: "api", meaning: "the draft is identical to the latest version; nothing to publish" },
  SERVICE_IN_USE: { status: 409, side: "api", meaning: "the service is used by routes; delete or repoint them first" },
  LAST_ADMIN: { status: 409, side: "api", meaning: "this is the last active admin: make another admin first" },
  BODY_TOO_LARGE: { status: 413, side: "api", meaning: "the request body is larger than 4 MiB" },
  VALIDATION_FAILED: { status: 422, side: "api", meaning: "the input is not valid; `fields` lists each field's path and message, and nothing was saved" },
  SIGN_IN_THROTTLED: { status: 429, side: "api", meaning: "too many failed sign-ins: wait Retry-After seconds before trying again" },
  SIGN_IN_LOCKED: { status: 429, side: "api", meaning: "too many failed sign-ins: sign-in is locked for a while (15 minutes), even with the right password" },
  SIGN_IN_BUSY: { status: 429, side: "api", meaning: "too many sign-ins at once: try again in a moment (Retry-After: 1)" },
  INTERNAL: { status: 500, side: "api", meaning: "internal error: the answer's `id` is in the console's log, next to the cause" },
} as const satisfies Record<string, ErrorSpec<"api">>);

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;
export type ApiErrorCode = keyof typeof API_ERRORS;

/** The whole catalog, by side. */
export const ERROR_CATALOG = Object.freeze({ gateway: GATEWAY_ERRORS, api: API_ERRORS });
