import { describe, expect, it } from "vitest";
import { z } from "zod";
import { GatewayConfigSchema, type GatewayConfig } from "./schema";
import { configSecretPaths, describePath, findSecretPaths, fingerprint, isSecretMarker, redactConfig, redactEntity, restoreEntitySecrets, restoreSecrets } from "./secrets";

const SECRET_A = "a-secret-of-at-least-32-characters-0001";
const SECRET_B = "b-secret-of-at-least-32-characters-0002";
const jwt = (secret: unknown) => ({ algorithm: "HS256", secret });
const route = (name: string, secret: unknown, path = `/${name}`) => ({ name, path, service: "svc", auth: { jwt: jwt(secret) } });

const config = (): GatewayConfig =>
  GatewayConfigSchema.parse({
    services: [{ name: "svc", targets: [{ address: "127.0.0.1:4001" }] }],
    routes: [route("alpha", SECRET_A), route("beta", SECRET_B), { name: "open", path: "/open", service: "svc" }],
    consumers: [{ name: "partner" }],
  });

/** Every text field's dotted path in a schema, for the net below. */
function textFields(schema: unknown, prefix = ""): string[] {
  const def = (schema as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case "object":
      return Object.entries(def.shape as Record<string, unknown>).flatMap(([k, v]) => textFields(v, prefix ? `${prefix}.${k}` : k));
    case "array":
      return textFields(def.element, `${prefix}.*`);
    case "nullable":
    case "optional":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
      return textFields(def.innerType, prefix);
    case "pipe":
      return textFields(def.in, prefix);
    case "union":
      return [...new Set((def.options as unknown[]).flatMap((o) => textFields(o, prefix)))];
    case "string":
      return [prefix];
    default:
      return [];
  }
}

describe("the secret fields of the config", () => {
  it("are found on the schema: today a route's HS256 secret", () => {
    expect(configSecretPaths().map(describePath)).toEqual(["routes.*.auth.jwt.secret"]);
  });

  it("cover every text field whose name even hints at a credential (a new one fails here until it is redacted or waved through)", () => {
    // Not secrets, though named like one might be: a key's public id and the SHA-256 a key is checked against.
    const NOT_SECRET = new Set(["consumers.*.apiKeys.*.id", "consumers.*.apiKeys.*.sha256"]);
    const hint = /secret|private|passw|passphrase|token|credential|key|pem|cert|signing|hmac|bearer|auth/i;
    const secret = new Set(configSecretPaths().map(describePath));
    const suspicious = textFields(GatewayConfigSchema).filter((p) => hint.test(p.slice(p.lastIndexOf(".") + 1)) && !secret.has(p) && !NOT_SECRET.has(p));
    expect(suspicious).toEqual([]);
  });

  it("include a text field named like a secret in any nested schema, matched by the elements' name or id", () => {
    const schema = z.object({
      upstreams: z.array(z.object({ name: z.string(), tls: z.object({ privateKey: z.string().nullable().default(null) }).nullable() })),
      hooks: z.array(z.object({ id: z.string(), webhookSecret: z.string().optional(), url: z.string() })),
      apiKey: z.object({ header: z.string() }),
    });
    expect(findSecretPaths(schema)).toEqual([
      [{ key: "upstreams" }, { each: "name" }, { key: "tls" }, { key: "privateKey" }],
      [{ key: "hooks" }, { each: "id" }, { key: "webhookSecret" }],
    ]);
  });
});

describe("redactConfig", () => {
  it("replaces every set secret with a marker and a short fingerprint, leaving the rest and the input untouched", () => {
    const original = config();
    const before = JSON.stringify(original);
    const redacted = redactConfig(original);
    const text = JSON.stringify(redacted);
    expect(text).not.toContain(SECRET_A);
    expect(text).not.toContain(SECRET_B);
    expect(redacted.routes[0].auth?.jwt?.secret).toEqual({ set: true, fingerprint: fingerprint(SECRET_A) });
    expect(fingerprint(SECRET_A)).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(fingerprint(SECRET_A)).not.toBe(fingerprint(SECRET_B));
    expect(redacted.routes[2]).toEqual(original.routes[2]);
    expect({ ...redacted.routes[0], auth: null }).toEqual({ ...original.routes[0], auth: null });
    expect(JSON.stringify(original)).toBe(before);
  });

  it("leaves an unset secret null, and a marker as it is (redacting twice is redacting once)", () => {
    const rs = { name: "rs", auth: { jwt: { algorithm: "RS256", secret: null, jwksUrl: "https://a.example/jwks" } } };
    expect(redactEntity("routes", rs)).toEqual(rs);
    const once = redactConfig(config());
    expect(redactConfig(once)).toEqual(once);
  });

  it("takes partial documents and documents that do not parse without throwing", () => {
    expect(redactConfig({ routes: [route("x", SECRET_A)] }).routes[0].auth.jwt.secret).toEqual({ set: true, fingerprint: fingerprint(SECRET_A) });
    expect(redactConfig({ routes: "nonsense" })).toEqual({ routes: "nonsense" });
    expect(redactConfig(null)).toBeNull();
  });
});

describe("restoreSecrets", () => {
  it("puts the stored value back where the marker was sent", () => {
    const stored = config();
    const { value, errors } = restoreSecrets(redactConfig(stored), stored);
    expect(errors).toEqual([]);
    expect(GatewayConfigSchema.parse(value)).toEqual(stored);
  });

  it("matches routes by name, so reordering them does not swap their secrets", () => {
    const stored = config();
    const incoming = redactConfig(stored);
    incoming.routes.reverse();
    incoming.routes.splice(1, 0, route("gamma", "c-secret-of-at-least-32-characters-0003") as never);
    const { value, errors } = restoreSecrets(incoming, stored);
    expect(errors).toEqual([]);
    const byName = Object.fromEntries((value as GatewayConfig).routes.map((r) => [r.name, r.auth?.jwt?.secret ?? null]));
    expect(byName).toEqual({ alpha: SECRET_A, beta: SECRET_B, gamma: "c-secret-of-at-least-32-characters-0003", open: null });
  });

  it("takes a new value over the stored one, and null as clearing it", () => {
    const stored = config();
    const incoming = redactConfig(stored) as unknown as GatewayConfig;
    incoming.routes[0].auth!.jwt!.secret = "n".repeat(40);
    const { value } = restoreSecrets(incoming, stored);
    expect((value as GatewayConfig).routes[0].auth?.jwt?.secret).toBe("n".repeat(40));
    expect(restoreEntitySecrets("routes", route("alpha", null), stored.routes[0]).value).toEqual(route("alpha", null));
  });

  it("refuses a marker where no secret is stored, at the field's path", () => {
    const stored = config();
    const incoming = { ...redactConfig(stored), routes: [route("fresh", { set: true })] };
    expect(restoreSecrets(incoming, stored).errors).toEqual([{ path: "routes.0.auth.jwt.secret", message: "is a redacted secret, but none is stored here: send the secret itself" }]);
    expect(restoreEntitySecrets("routes", route("fresh", { set: true }), null).errors).toEqual([
      { path: "auth.jwt.secret", message: "is a redacted secret, but none is stored here: send the secret itself" },
    ]);
  });

  it("refuses a marker whose fingerprint is another secret's (renamed onto another route, or replaced since it was read)", () => {
    const stored = config();
    const incoming = redactConfig(stored);
    const [alpha, beta] = incoming.routes;
    const swapped = {
      ...incoming,
      routes: [
        { ...alpha, auth: beta.auth },
        { ...beta, auth: alpha.auth },
      ],
    };
    expect(restoreSecrets(swapped, stored).errors.map((e) => e.path)).toEqual(["routes.0.auth.jwt.secret", "routes.1.auth.jwt.secret"]);
  });

  it("restores one entity from the one it replaces whatever either is named (a rename keeps the secret)", () => {
    const stored = config().routes[0];
    const renamed = { ...redactEntity("routes", stored), name: "alpha-v2" };
    const { value, errors } = restoreEntitySecrets("routes", renamed, stored);
    expect(errors).toEqual([]);
    expect((value as typeof stored).auth?.jwt?.secret).toBe(SECRET_A);
    expect(isSecretMarker(renamed.auth?.jwt?.secret)).toBe(true);
  });
});
