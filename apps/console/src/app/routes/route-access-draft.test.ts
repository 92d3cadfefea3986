import { describe, expect, it } from "vitest";
import { formatIssues } from "@bulwark/config/errors";
import { RouteSchema } from "@bulwark/config/schema";
import { redactEntity, restoreEntitySecrets } from "@bulwark/config/secrets";
import type { Route } from "@/lib/api";
import { blankRoute, fromRoute, routeErrorPaths, toRouteBody, type RouteDraft } from "./route-draft";
import { routeBadges } from "./route-policy-badges";

const SECRET = "s".repeat(40);
const base = (): RouteDraft => ({ ...blankRoute("catalog"), name: "exams", path: "/exams" });
const withAccess = (patch: Partial<RouteDraft["access"]>): RouteDraft => {
  const d = base();
  return { ...d, access: { ...d.access, ...patch } };
};
const errorsOf = (d: RouteDraft) => {
  const r = RouteSchema.safeParse(toRouteBody(d));
  return r.success ? [] : formatIssues(r.error);
};

describe("route access drafts", () => {
  it("sends no credentials and no address lists until they are set", () => {
    expect(toRouteBody(base())).toMatchObject({ auth: null, ipAllow: [], ipDeny: [] });
    expect(RouteSchema.parse(toRouteBody(base()))).toEqual(RouteSchema.parse({ name: "exams", path: "/exams", service: "catalog" }));
  });

  it("round-trips key auth, an RS256 JWT and both IP lists: saved, loaded into the form, and sent again unchanged", () => {
    const d = withAccess({
      apiKey: true,
      apiKeyHeader: "x-partner-key",
      jwt: true,
      algorithm: "RS256",
      jwksUrl: " https://auth.example.edu/jwks.json ",
      issuer: "https://auth.example.edu",
      audience: "exams",
      clockSkewSec: "10",
      consumerClaim: "client_id",
      ipAllow: "10.0.0.0/8,\n192.0.2.7\n2001:db8::/32",
      ipDeny: "10.6.6.0/24",
    });
    const saved = RouteSchema.parse(toRouteBody(d));
    expect(saved).toMatchObject({
      auth: {
        apiKey: { header: "x-partner-key" },
        jwt: { algorithm: "RS256", secret: null, jwksUrl: "https://auth.example.edu/jwks.json", issuer: "https://auth.example.edu", audience: "exams", clockSkewSec: 10, consumerClaim: "client_id" },
      },
      ipAllow: ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"],
      ipDeny: ["10.6.6.0/24"],
    });
    expect(RouteSchema.parse(toRouteBody(fromRoute(redactEntity("routes", saved))))).toEqual(saved);
  });

  it("never holds a stored HS256 secret: it shows it as set, sends the marker back to keep it, and a typed one to replace it", () => {
    const stored = RouteSchema.parse(toRouteBody(withAccess({ jwt: true, algorithm: "HS256", secret: SECRET })));
    const loaded = fromRoute(redactEntity("routes", stored));
    expect(JSON.stringify(loaded)).not.toContain(SECRET);
    expect(loaded.access).toMatchObject({ secret: "", storedSecret: { set: true, fingerprint: expect.stringMatching(/^sha256:/) }, replacingSecret: false });
    const kept = toRouteBody(loaded);
    expect(JSON.stringify(kept)).not.toContain(SECRET);
    // What the server does with it: the stored value comes back, so the saved route is unchanged.
    expect(RouteSchema.parse(restoreEntitySecrets("routes", kept, stored).value)).toEqual(stored);
    const replaced = toRouteBody({ ...loaded, access: { ...loaded.access, replacingSecret: true, secret: "n".repeat(40) } });
    expect(replaced.auth?.jwt?.secret).toBe("n".repeat(40));
    // Replace chosen but nothing typed keeps it too; switching to RS256 drops it.
    expect(toRouteBody({ ...loaded, access: { ...loaded.access, replacingSecret: true } }).auth?.jwt?.secret).toEqual(loaded.access.storedSecret);
    expect(toRouteBody({ ...loaded, access: { ...loaded.access, algorithm: "RS256" } }).auth?.jwt?.secret).toBeNull();
  });

  it("fills blank credential fields with the schema's defaults: x-api-key, 30 s of skew, the sub claim", () => {
    const saved = RouteSchema.parse(toRouteBody(withAccess({ apiKey: true, apiKeyHeader: " ", jwt: true, algorithm: "HS256", secret: SECRET, clockSkewSec: "", consumerClaim: "" })));
    expect(saved.auth).toEqual({
      apiKey: { header: "x-api-key" },
      jwt: { algorithm: "HS256", secret: SECRET, jwksUrl: null, issuer: null, audience: null, clockSkewSec: 30, consumerClaim: "sub" },
    });
    // A route saved before access control existed opens with everything off.
    const legacy = { ...saved, auth: undefined, ipAllow: undefined, ipDeny: undefined } as unknown as Route;
    expect(toRouteBody(fromRoute(legacy))).toMatchObject({ auth: null, ipAllow: [], ipDeny: [] });
  });

  it("keeps the field of the algorithm not chosen in the form but never sends it, so switching back loses nothing", () => {
    const hs = withAccess({ jwt: true, algorithm: "HS256", secret: SECRET, jwksUrl: "https://auth.example.edu/jwks.json" });
    expect(errorsOf(hs)).toEqual([]);
    const rs = { ...hs, access: { ...hs.access, algorithm: "RS256" as const } };
    expect(RouteSchema.parse(toRouteBody(rs)).auth?.jwt).toMatchObject({ secret: null, jwksUrl: "https://auth.example.edu/jwks.json" });
    expect(rs.access.secret).toBe(SECRET);
  });

  it("gets the server's errors at the paths the form shows them at", () => {
    expect(errorsOf(withAccess({ jwt: true, algorithm: "HS256", secret: "" }))).toEqual([{ path: "auth.jwt.secret", message: "HS256 needs the shared secret" }]);
    expect(errorsOf(withAccess({ jwt: true, algorithm: "ES256", jwksUrl: "  " }))).toEqual([{ path: "auth.jwt.jwksUrl", message: "ES256 needs the JWKS URL to fetch keys from" }]);
    expect(errorsOf(withAccess({ ipAllow: "10.0.0.0/8, nope", ipDeny: "\n10.0.0.0/33\n" }))).toEqual([
      { path: "ipAllow.1", message: "must be an IPv4 or IPv6 address, optionally with /prefix" },
      { path: "ipDeny.0", message: "prefix must be 0 to 32" },
    ]);
    const d = base();
    expect(errorsOf({ ...d, rateLimit: { ...d.rateLimit, enabled: true, by: "consumer" } })).toEqual([{ path: "rateLimit.by", message: "counting per consumer needs auth on the route" }]);
  });

  it("shows every access error at an input while that input is on screen, and in the banner otherwise", () => {
    const hs = routeErrorPaths(withAccess({ apiKey: true, jwt: true, algorithm: "HS256" }));
    for (const p of [
      "auth",
      "auth.apiKey.header",
      "auth.jwt.algorithm",
      "auth.jwt.secret",
      "auth.jwt.issuer",
      "auth.jwt.audience",
      "auth.jwt.clockSkewSec",
      "auth.jwt.consumerClaim",
      "ipAllow",
      "ipAllow.3",
      "ipDeny.0",
    ]) {
      expect(hs(p), p).toBe(true);
    }
    expect(hs("auth.jwt.jwksUrl")).toBe(false);
    expect(routeErrorPaths(withAccess({ jwt: true, algorithm: "RS256" }))("auth.jwt.jwksUrl")).toBe(true);
    const off = routeErrorPaths(base());
    expect(off("auth.jwt.secret")).toBe(false);
    expect(off("auth.apiKey.header")).toBe(false);
    expect(off("auth")).toBe(true);
  });

  it("summarises access in table badges", () => {
    const d = withAccess({ apiKey: true, jwt: true, algorithm: "RS256", jwksUrl: "https://auth.example.edu/jwks.json", ipAllow: "10.0.0.0/8, 192.0.2.7", ipDeny: "10.6.6.6" });
    const saved = RouteSchema.parse(toRouteBody({ ...d, rateLimit: { ...d.rateLimit, enabled: true, by: "consumer" } })) as Route;
    const badges = routeBadges(saved, false);
    expect(badges.map((b) => b.text)).toEqual(["key auth", "JWT RS256", "IP allow 2", "IP deny 1", "rate 100/1s per consumer"]);
    expect(badges.find((b) => b.key === "jwt")?.title).toBe("requests need a bearer token signed with keys from https://auth.example.edu/jwks.json; either credential passes");
    expect(badges.find((b) => b.key === "ip-deny")?.title).toBe("10.6.6.6 get 403 (1 entry)");
  });
});
