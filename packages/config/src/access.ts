import { z } from "zod";
import { outboundUrlSchema } from "./outbound-url-schema";
import { count, HeaderNameSchema } from "./policies";

/**
 * Who may pass the gateway: consumers (applications and partners) with API keys, JWT verification per route,
 * and IP allow and deny lists. Keys are stored as SHA-256 hashes only: a key is shown once when it is made.
 */

export const ApiKeySchema = z.object({
  /** A short public id, to list and revoke a key without knowing it. */
  id: z.string({ error: "is required" }).regex(/^[a-z0-9]{8,32}$/, "must be 8-32 lowercase letters or digits"),
  sha256: z.string({ error: "is required" }).regex(/^[0-9a-f]{64}$/, "must be a SHA-256 hex digest"),
  createdAt: z.string({ error: "is required" }).datetime({ error: "must be an ISO date-time" }),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const ConsumerSchema = z
  .object({
    name: z.string({ error: "is required" }).regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "must be 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit"),
    description: z.string().max(500, "must be 500 characters or less").default(""),
    apiKeys: z.array(ApiKeySchema).max(20, "a consumer can have at most 20 keys").default([]),
  })
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    c.apiKeys.forEach((k, i) => {
      if (ids.has(k.id)) ctx.addIssue({ code: "custom", path: ["apiKeys", i, "id"], message: "duplicates another key's id" });
      ids.add(k.id);
    });
  });
export type Consumer = z.infer<typeof ConsumerSchema>;
export type ConsumerInput = z.input<typeof ConsumerSchema>;

export const JWT_ALGORITHMS = ["HS256", "RS256", "ES256"] as const;

/**
 * JWT verification (Kong's and APISIX's jwt-auth): HS256 against a shared secret, or RS256/ES256 against the
 * keys of a JWKS URL (fetched, cached and refreshed when an unknown key id appears). `exp` and `nbf` are checked
 * with `clockSkewSec` of leeway; `iss` and `aud` when set. The `consumerClaim` (default `sub`) names the consumer.
 */
export const JwtAuthSchema = z
  .object({
    algorithm: z.enum(JWT_ALGORITHMS, { error: `must be one of ${JWT_ALGORITHMS.join(", ")}` }),
    secret: z.string().min(32, "must be at least 32 characters (HS256 needs a strong shared secret)").max(512, "must be 512 characters or less").nullable().default(null),
    jwksUrl: outboundUrlSchema("jwks"),
    issuer: z.string().min(1, "must not be empty (or null)").max(500).nullable().default(null),
    audience: z.string().min(1, "must not be empty (or null)").max(500).nullable().default(null),
    clockSkewSec: count(0, 600, 30),
    consumerClaim: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, "must be a claim name such as sub")
      .default("sub"),
  })
  .superRefine((j, ctx) => {
    if (j.algorithm === "HS256") {
      if (j.secret === null) ctx.addIssue({ code: "custom", path: ["secret"], message: "HS256 needs the shared secret" });
      if (j.jwksUrl !== null) ctx.addIssue({ code: "custom", path: ["jwksUrl"], message: "is only used with RS256 or ES256" });
    } else {
      if (j.jwksUrl === null) ctx.addIssue({ code: "custom", path: ["jwksUrl"], message: `${j.algorithm} needs the JWKS URL to fetch keys from` });
      if (j.secret !== null) ctx.addIssue({ code: "custom", path: ["secret"], message: "is only used with HS256" });
    }
  });
export type JwtAuth = z.infer<typeof JwtAuthSchema>;

/** Credentials a route requires; either one passes when both are set (Kong's logical OR). */
export const RouteAuthSchema = z
  .object({
    apiKey: z
      .object({ header: HeaderNameSchema.default("x-api-key") })
      .nullable()
      .default(null),
    jwt: JwtAuthSchema.nullable().default(null),
  })
  .superRefine((a, ctx) => {
    if (a.apiKey === null && a.jwt === null) ctx.addIssue({ code: "custom", path: [], message: "needs an API key or a JWT check (or set auth to null)" });
  });
export type RouteAuth = z.infer<typeof RouteAuthSchema>;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** RFC 4291 text forms, with `::` and an embedded IPv4 tail; no zone ids. (No node:net: this runs in browsers too.) */
function isIpv6(value: string): boolean {
  const halves = value.split("::");
  if (halves.length > 2) return false;
  const groups = (text: string) => (text === "" ? [] : text.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const all = [...head, ...tail];
  let count = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes(".")) {
    if (!IPV4.test(last)) return false;
    all.pop();
    count += 1; // an IPv4 tail takes two groups
  }
  if (!all.every((g) => HEX_GROUP.test(g))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

function ipVersion(value: string): 0 | 4 | 6 {
  if (IPV4.test(value)) return 4;
  return value.includes(":") && isIpv6(value) ? 6 : 0;
}

/** "10.0.0.0/8", "2001:db8::/32" or a single address. */
export function parseCidr(value: string): { address: string; prefix: number; family: "ipv4" | "ipv6" } | string {
  const [address, prefixText, extra] = value.trim().split("/");
  if (extra !== undefined) return "must be an address or address/prefix";
  const version = ipVersion(address);
  if (version === 0) return "must be an IPv4 or IPv6 address, optionally with /prefix";
  const max = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family: version === 4 ? "ipv4" : "ipv6" };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return `prefix must be 0 to ${max}`;
  return { address, prefix: Number(prefixText), family: version === 4 ? "ipv4" : "ipv6" };
}

export const CidrSchema = z.string({ error: "must be text" }).superRefine((v, ctx) => {
  const parsed = parseCidr(v);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
});
