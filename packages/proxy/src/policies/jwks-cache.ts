import { createRemoteJWKSet, customFetch, type FetchImplementation, type JWTVerifyGetKey } from "jose";
import { outboundFetch, type Resolve } from "@bulwark/config/outbound-fetch";
import { outboundPolicy, type OutboundPolicy } from "@bulwark/config/outbound-policy";

/** A key set is a few KiB; a JWKS URL that streams megabytes is not one. */
const MAX_JWKS_BYTES = 512 * 1024;

export interface JwksCacheOptions {
  /** Defaults to the environment's (BULWARK_OUTBOUND_ALLOW and the own listener ports). */
  policy?: OutboundPolicy;
  resolve?: Resolve;
}

/**
 * One JWKS fetcher per URL, shared by routes and kept across reloads: its cache survives a publish. Keys are
 * fetched through the outbound-address guard, so a JWKS host whose name now resolves to a metadata, loopback or
 * private address (DNS rebinding) is not fetched from; the route answers 503 AUTH_UNAVAILABLE instead.
 */
export class JwksCache {
  private readonly sets = new Map<string, JWTVerifyGetKey>();
  private readonly fetchKeys: FetchImplementation;

  constructor(options: JwksCacheOptions = {}) {
    // Read now, so a bad BULWARK_OUTBOUND_ALLOW stops the worker at start rather than failing every fetch.
    if (options.policy === undefined) outboundPolicy();
    this.fetchKeys = (url, init) => outboundFetch("jwks", url, { ...init, maxBodyBytes: MAX_JWKS_BYTES, policy: options.policy ?? outboundPolicy(), resolve: options.resolve });
  }

  get(url: string): JWTVerifyGetKey {
    let set = this.sets.get(url);
    if (set === undefined) {
      // A key id it has not seen makes it fetch again, at most once a second: rotations are picked up at once.
      set = createRemoteJWKSet(new URL(url), { cooldownDuration: 1_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 3_000, [customFetch]: this.fetchKeys });
      this.sets.set(url, set);
    }
    return set;
  }
}
