import { createHash } from "node:crypto";
import { errors as joseErrors, jwtVerify } from "jose";
import { type Consumer, type JwtAuth, type Route } from "@bulwark/config/schema";
import { GatewayError } from "../errors";
import type { AdmitStep, RequestState } from "../pipeline/compiled-route";
import type { JwksCache } from "./jwks-cache";

const NO_CREDENTIALS = new GatewayError("UNAUTHORIZED", "this route needs credentials: an API key or a bearer token", { "www-authenticate": 'Bearer realm="bulwark"' });
const BAD_KEY = new GatewayError("INVALID_API_KEY", "the API key is not valid", { "www-authenticate": 'Bearer realm="bulwark"' });
const BAD_TOKEN = new GatewayError("INVALID_TOKEN", "the bearer token is not valid", { "www-authenticate": 'Bearer realm="bulwark", error="invalid_token"' });
const EXPIRED = new GatewayError("TOKEN_EXPIRED", "the bearer token has expired", { "www-authenticate": 'Bearer realm="bulwark", error="invalid_token"' });
const NOT_YET = new GatewayError("TOKEN_NOT_YET_VALID", "the bearer token is not valid yet", { "www-authenticate": 'Bearer realm="bulwark", error="invalid_token"' });
const HEADER_UNSAFE = /[^\t\x20-\x7e\x80-\xff]/;
const NO_CONSUMER = new GatewayError("INVALID_TOKEN", "the bearer token does not name a consumer", { "www-authenticate": 'Bearer realm="bulwark", error="invalid_token"' });
const KEYS_UNAVAILABLE = new GatewayError("AUTH_UNAVAILABLE", "the keys to verify the token cannot be fetched right now");

/** Consumers of one config version by API-key hash. */
export type ConsumerIndex = ReadonlyMap<string, string>;

export function indexConsumers(consumers: readonly Consumer[]): ConsumerIndex {
  const index = new Map<string, string>();
  for (const c of consumers) for (const k of c.apiKeys) index.set(k.sha256, c.name);
  return index;
}

function jwtVerifier(jwt: JwtAuth, jwks: JwksCache): (token: string) => Promise<Record<string, unknown>> {
  const key = jwt.algorithm === "HS256" ? new TextEncoder().encode(jwt.secret!) : jwks.get(jwt.jwksUrl!);
  const options = { algorithms: [jwt.algorithm], issuer: jwt.issuer ?? undefined, audience: jwt.audience ?? undefined, clockTolerance: jwt.clockSkewSec };
  return async (token) => {
    const { payload } = typeof key === "function" ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
    return payload;
  };
}

function tokenError(error: unknown): GatewayError {
  if (error instanceof joseErrors.JWTExpired) return EXPIRED;
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "nbf") return NOT_YET;
  if (error instanceof joseErrors.JWKSTimeout || (error instanceof Error && !(error instanceof joseErrors.JOSEError))) return KEYS_UNAVAILABLE;
  return BAD_TOKEN;
}

/**
 * API keys (hashed and looked up among the published consumers) and/or JWTs; either credential passes when
 * both are configured. The consumer is passed upstream in `x-consumer-name` (a client's own is removed) and is
 * what `rateLimit.by: consumer` counts. Credentials are never logged or traced.
 */
export function authStep(route: Route, consumers: ConsumerIndex, jwks: JwksCache): AdmitStep | null {
  const auth = route.auth;
  if (auth === null) return null;
  const keyHeader = auth.apiKey?.header.toLowerCase() ?? null;
  const verify = auth.jwt !== null ? jwtVerifier(auth.jwt, jwks) : null;
  const claim = auth.jwt?.consumerClaim ?? "sub";
  const admit = (request: RequestState, consumer: string) => {
    request.consumer = consumer;
    request.addUpstreamHeader("x-consumer-name", consumer); // a client's own was removed before routing
    request.decide("consumer", consumer);
  };
  return (request) => {
    const headers = request.req.headers;
    if (keyHeader !== null) {
      const key = headers[keyHeader];
      if (typeof key === "string" && key !== "") {
        const consumer = consumers.get(createHash("sha256").update(key).digest("hex"));
        if (consumer === undefined) throw BAD_KEY;
        return admit(request, consumer);
      }
    }
    if (verify !== null) {
      const authorization = headers.authorization;
      if (typeof authorization === "string" && /^bearer /i.test(authorization)) {
        return verify(authorization.slice(7).trim()).then(
          (payload) => {
            const consumer = payload[claim];
            // It travels upstream as a header value: a claim with control characters would not fit one.
            if (typeof consumer !== "string" || consumer === "" || HEADER_UNSAFE.test(consumer)) throw NO_CONSUMER;
            admit(request, consumer.slice(0, 256));
          },
          (error: unknown) => {
            throw tokenError(error);
          },
        );
      }
    }
    throw NO_CREDENTIALS;
  };
}
