import { createHash } from "node:crypto";
import { BlockList } from "node:net";
import { errors as joseErrors, jwtVerify } from "jose";
import { parseCidr, type Consumer, type JwtAuth, type Route } from "@bulwark/config/schema";
import { GatewayError } from "../errors";
import type { ProxyCall } from "../pipeline/proxy-call";
import type { Stage } from "./compile-stages";
import type { JwksCache } from "./jwks-cache";

export { JwksCache } from "./jwks-cache";

const FORBIDDEN = new GatewayError(403, "IP_FORBIDDEN", "requests from this address are not allowed on this route");
const NO_CREDENTIALS = new GatewayError(401, "UNAUTHORIZED", "this route needs credentials: an API key or a bearer token", { "www-authenticate": 'Bearer realm="bulwark"' });
const BAD_KEY = new GatewayError(401, "INVALID_API_KEY", "the API key is not valid", { "www-authenticate": 'Bearer realm="bulwark"' });
const BAD_TOKEN = new GatewayError(401, "INVALID_TOKEN", "the bearer token is not valid", { "www-authenticate": 'Bearer realm="bulwark", error="invalid_token"' });
const EXPIRED = new GatewayError(401, "TOKEN_EXPIRED", "the bearer token has expired", { "www-authenticate": 'Bearer realm="bulwark", error="invalid_token"' });
const NOT_YET = new GatewayError(401, "TOKEN_NOT_YET_VALID", "the bearer token is not valid yet", { "www-authenticate": 'Bearer realm="bulwark", error="invalid_token"' });
const HEADER_UNSAFE = /[^\t\x20-\x7e\x80-\xff]/;
const NO_CONSUMER = new GatewayError(401, "INVALID_TOKEN", "the bearer token does not name a consumer", { "www-authenticate": 'Bearer realm="bulwark", error="invalid_token"' });
const KEYS_UNAVAILABLE = new GatewayError(503, "AUTH_UNAVAILABLE", "the keys to verify the token cannot be fetched right now");

/** Consumers of one config version by API-key hash. */
export type ConsumerIndex = ReadonlyMap<string, string>;

export function indexConsumers(consumers: readonly Consumer[]): ConsumerIndex {
  const index = new Map<string, string>();
  for (const c of consumers) for (const k of c.apiKeys) index.set(k.sha256, c.name);
  return index;
}

function toBlockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const c = parseCidr(entry);
    if (typeof c === "string") throw new Error(`bad address ${entry}: ${c}`);
    list.addSubnet(c.address, c.prefix, c.family);
  }
  return list;
}

function familyOf(ip: string): { address: string; family: "ipv4" | "ipv6" } {
  if (ip.startsWith("::ffff:") && ip.includes(".")) return { address: ip.slice(7), family: "ipv4" };
  return { address: ip, family: ip.includes(":") ? "ipv6" : "ipv4" };
}

/** IP deny then allow lists, on the real client address (the peer, or a trusted proxy's X-Forwarded-For). */
export function ipStage(route: Route): Stage | null {
  if (!route.ipAllow.length && !route.ipDeny.length) return null;
  const allow = route.ipAllow.length ? toBlockList(route.ipAllow) : null;
  const deny = route.ipDeny.length ? toBlockList(route.ipDeny) : null;
  return (call) => {
    const { address, family } = familyOf(call.clientIp);
    if (deny !== null && deny.check(address, family)) throw FORBIDDEN;
    if (allow !== null && !allow.check(address, family)) throw FORBIDDEN;
  };
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
export function authStage(route: Route, consumers: ConsumerIndex, jwks: JwksCache): Stage | null {
  const auth = route.auth;
  if (auth === null) return null;
  const keyHeader = auth.apiKey?.header.toLowerCase() ?? null;
  const verify = auth.jwt !== null ? jwtVerifier(auth.jwt, jwks) : null;
  const claim = auth.jwt?.consumerClaim ?? "sub";
  const admit = (call: ProxyCall, consumer: string) => {
    call.consumer = consumer;
    call.addUpstreamHeader("x-consumer-name", consumer); // a client's own was removed before routing
    call.decide("consumer", consumer);
  };
  return (call) => {
    const headers = call.req.headers;
    if (keyHeader !== null) {
      const key = headers[keyHeader];
      if (typeof key === "string" && key !== "") {
        const consumer = consumers.get(createHash("sha256").update(key).digest("hex"));
        if (consumer === undefined) throw BAD_KEY;
        return admit(call, consumer);
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
            admit(call, consumer.slice(0, 256));
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
