import { type JWT_ALGORITHMS, RouteAuthSchema } from "@bulwark/config/schema";
import type { SecretMarker } from "@bulwark/config/secret-marker";
import type { Route } from "@/lib/api";

export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** Who may call a route, as the form holds it: both credentials and the IP lists, each as typed. */
export interface AccessDraft {
  apiKey: boolean;
  apiKeyHeader: string;
  jwt: boolean;
  algorithm: JwtAlgorithm;
  /**
   * HS256 only: a new secret as typed ("" keeps the stored one). Kept while RS256/ES256 is chosen so switching
   * back does not lose it, but never sent then.
   */
  secret: string;
  /** The stored secret as the server shows it (set, with a fingerprint), never its value; null when none is stored. */
  storedSecret: SecretMarker | null;
  /** The operator chose to replace the stored secret: the input is shown. */
  replacingSecret: boolean;
  /** RS256 and ES256 only; kept and withheld like the secret. */
  jwksUrl: string;
  issuer: string;
  audience: string;
  clockSkewSec: string;
  consumerClaim: string;
  /** Comma or newline separated CIDRs. */
  ipAllow: string;
  ipDeny: string;
}

// Switched on, a credential starts from the schema's own defaults, so the form never disagrees with the server.
const DEFAULTS = RouteAuthSchema.parse({ apiKey: {}, jwt: { algorithm: "HS256", secret: "x".repeat(32) } });

export function accessDraft(r: Pick<Route, "auth" | "ipAllow" | "ipDeny"> | null): AccessDraft {
  const auth = r?.auth ?? null;
  const jwt = auth?.jwt ?? { ...DEFAULTS.jwt!, secret: null };
  const storedSecret = typeof jwt.secret === "object" && jwt.secret !== null ? jwt.secret : null;
  return {
    apiKey: !!auth?.apiKey,
    apiKeyHeader: auth?.apiKey?.header ?? DEFAULTS.apiKey!.header,
    jwt: !!auth?.jwt,
    algorithm: jwt.algorithm,
    // A secret never comes back from the server: only whether one is set.
    secret: typeof jwt.secret === "string" ? jwt.secret : "",
    storedSecret,
    replacingSecret: false,
    jwksUrl: jwt.jwksUrl ?? "",
    issuer: jwt.issuer ?? "",
    audience: jwt.audience ?? "",
    clockSkewSec: String(jwt.clockSkewSec),
    consumerClaim: jwt.consumerClaim,
    // Routes saved before access control existed lack the lists.
    ipAllow: (r?.ipAllow ?? []).join(", "),
    ipDeny: (r?.ipDeny ?? []).join(", "),
  };
}

/** The list as sent: entries in the order typed, so an `ipAllow.1` error names the second one the operator sees. */
export const cidrList = (v: string) => v.split(/[\s,]+/).filter(Boolean);
const orNull = (v: string) => (v.trim() === "" ? null : v.trim());
const orDefault = (v: string) => (v.trim() === "" ? undefined : v.trim());
const num = (v: string) => (v.trim() === "" ? undefined : Number(v));

export function toAccessBody(d: AccessDraft) {
  const hs = d.algorithm === "HS256";
  const jwt = d.jwt
    ? {
        algorithm: d.algorithm,
        // Not trimmed: a secret is exactly what was typed. Nothing typed sends the stored secret's marker back,
        // which the server reads as "keep it"; with none stored that is null, refused at `auth.jwt.secret`.
        secret: !hs ? null : d.secret !== "" ? d.secret : d.storedSecret,
        jwksUrl: hs ? null : orNull(d.jwksUrl),
        issuer: orNull(d.issuer),
        audience: orNull(d.audience),
        clockSkewSec: num(d.clockSkewSec),
        consumerClaim: orDefault(d.consumerClaim),
      }
    : null;
  return {
    auth: d.apiKey || jwt ? { apiKey: d.apiKey ? { header: orDefault(d.apiKeyHeader) } : null, jwt } : null,
    ipAllow: cidrList(d.ipAllow),
    ipDeny: cidrList(d.ipDeny),
  };
}

/** The access error paths the form has an input for, given what is on screen: [exact paths, list bases]. */
export function accessErrorPaths(d: AccessDraft): { exact: string[]; under: string[] } {
  const exact = ["auth", "ipAllow", "ipDeny"];
  if (d.apiKey) exact.push("auth.apiKey", "auth.apiKey.header");
  if (d.jwt) {
    const fields = ["algorithm", d.algorithm === "HS256" ? "secret" : "jwksUrl", "issuer", "audience", "clockSkewSec", "consumerClaim"];
    exact.push("auth.jwt", ...fields.map((f) => `auth.jwt.${f}`));
  }
  return { exact, under: ["ipAllow", "ipDeny"] };
}
