import { describe, expect, it } from "vitest";
import { auditDiff, diffValues, redactSecrets } from "../src/audit-store";

describe("audit diffs", () => {
  it("name the changed leaves by dotted path", () => {
    expect(diffValues({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1, 3] } })).toEqual([
      { path: "a.b", before: 1, after: 2 },
      { path: "a.c.1", before: 2, after: 3 },
    ]);
  });

  it("never carry a secret's value, at any depth, in a whole created object or a changed leaf", () => {
    const route = { name: "r", auth: { jwt: { algorithm: "HS256", secret: "0123456789abcdef0123456789abcdef" } } };
    expect(JSON.stringify(redactSecrets(route))).not.toContain("0123456789");
    expect(redactSecrets(route)).toEqual({ name: "r", auth: { jwt: { algorithm: "HS256", secret: "[redacted]" } } });
    expect(redactSecrets({ auth: { jwt: { secret: null } } })).toEqual({ auth: { jwt: { secret: null } } });
    const rotated = auditDiff({ before: route, after: { ...route, auth: { jwt: { algorithm: "HS256", secret: "fedcba9876543210fedcba9876543210" } } } });
    expect(rotated).toEqual([{ path: "auth.jwt.secret", before: "[redacted]", after: "[redacted]" }]);
    expect(JSON.stringify(auditDiff({ before: null, after: route }))).not.toContain("0123456789");
  });

  it("keep out any text named like a secret, such as a client key or a private key the config may gain", () => {
    const upstream = { name: "u", tls: { privateKey: "-----BEGIN PRIVATE KEY-----abc", clientSecret: "cs-1234567890" }, apiKey: { header: "x-api-key" } };
    const text = JSON.stringify(auditDiff({ before: null, after: upstream }));
    expect(text).not.toContain("BEGIN PRIVATE KEY");
    expect(text).not.toContain("cs-1234567890");
    // An object under a key-like name is walked, not hidden: the API key's header stays readable.
    expect(text).toContain("x-api-key");
    expect(auditDiff({ before: upstream, after: { ...upstream, tls: { ...upstream.tls, privateKey: "-----BEGIN PRIVATE KEY-----xyz" } } })).toEqual([
      { path: "tls.privateKey", before: "[redacted]", after: "[redacted]" },
    ]);
  });
});
