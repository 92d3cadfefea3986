import { describe, expect, it } from "vitest";
import { formatIssues } from "./format-issues";
import { GatewayConfigSchema, parseCidr, RouteSchema } from "./schema";

const route = { name: "exams", path: "/exams", service: "assessments" };
const hash = "a".repeat(64);

function errorsOf(schema: { safeParse(v: unknown): { success: boolean; error?: import("zod").ZodError } }, value: unknown) {
  const r = schema.safeParse(value);
  expect(r.success).toBe(false);
  return formatIssues(r.error!);
}

describe("access control in the config", () => {
  it.each([
    ["10.0.0.0/8", { address: "10.0.0.0", prefix: 8, family: "ipv4" }],
    ["192.0.2.7", { address: "192.0.2.7", prefix: 32, family: "ipv4" }],
    ["2001:db8::/32", { address: "2001:db8::", prefix: 32, family: "ipv6" }],
    ["::1", { address: "::1", prefix: 128, family: "ipv6" }],
    ["::ffff:10.0.0.1/128", { address: "::ffff:10.0.0.1", prefix: 128, family: "ipv6" }],
  ])("parses %s", (value, expected) => expect(parseCidr(value)).toEqual(expected));

  it.each(["10.0.0.0/33", "10.0.0/8", "300.1.1.1", "2001:db8:::1", "1:2:3:4:5:6:7:8:9", "host/8", "10.0.0.0/8/1", "10.0.0.0/-1"])("refuses %s", (value) => {
    expect(typeof parseCidr(value)).toBe("string");
  });

  it("defaults to no auth and no IP lists, and names each bad field", () => {
    expect(RouteSchema.parse(route)).toMatchObject({ auth: null, ipAllow: [], ipDeny: [] });
    expect(RouteSchema.parse({ ...route, auth: { apiKey: {} } }).auth).toEqual({ apiKey: { header: "x-api-key" }, jwt: null });
    expect(errorsOf(RouteSchema, { ...route, auth: {} })).toEqual([{ path: "auth", message: "needs an API key or a JWT check (or set auth to null)" }]);
    expect(errorsOf(RouteSchema, { ...route, auth: { jwt: { algorithm: "HS256", secret: "short" } } })).toEqual([
      { path: "auth.jwt.secret", message: "must be at least 32 characters (HS256 needs a strong shared secret)" },
    ]);
    expect(errorsOf(RouteSchema, { ...route, auth: { jwt: { algorithm: "RS256" } } })).toEqual([{ path: "auth.jwt.jwksUrl", message: "RS256 needs the JWKS URL to fetch keys from" }]);
    expect(errorsOf(RouteSchema, { ...route, auth: { jwt: { algorithm: "none" } } })[0].path).toBe("auth.jwt.algorithm");
    expect(errorsOf(RouteSchema, { ...route, ipAllow: ["10.0.0.0/8", "nope"] })).toEqual([{ path: "ipAllow.1", message: "must be an IPv4 or IPv6 address, optionally with /prefix" }]);
    expect(errorsOf(RouteSchema, { ...route, rateLimit: { by: "consumer" } })).toEqual([{ path: "rateLimit.by", message: "counting per consumer needs auth on the route" }]);
  });

  it("refuses two consumers with one name or one key", () => {
    const key = { id: "key00001", sha256: hash, createdAt: "2026-11-25T10:00:00Z" };
    const errors = errorsOf(GatewayConfigSchema, {
      consumers: [{ name: "partner-a", apiKeys: [key] }, { name: "partner-a" }, { name: "partner-b", apiKeys: [{ ...key, id: "key00002" }] }],
    });
    expect(errors).toEqual([
      { path: "consumers.1.name", message: "a consumer named partner-a already exists" },
      { path: "consumers.2.apiKeys.0.sha256", message: "is also a key of consumer partner-a" },
    ]);
  });
});
