import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { hashApiKey } from "@bulwark/db/consumers";
import { createTestDatabase, getFreePort, type TestDatabase } from "@bulwark/db/test-database";
import { startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

let database: TestDatabase;
let db: Db;
let gateway: Gateway;
let echo: Upstream;
let jwksServer: Server;
let jwksUrl = "";
const SECRET = "a-shared-secret-that-is-long-enough-for-hs256";
const KEY_A = "bwk_partner-a-key-0123456789";
const KEY_B = "bwk_partner-b-key-9876543210";
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
const keys = {} as Record<"rs1" | "rs2" | "es1", { privateKey: PrivateKey; jwk: JWK }>;
let published: JWK[] = [];

beforeAll(async () => {
  // The JWKS server runs on loopback: the test and the workers it starts (they inherit the environment) allow it.
  process.env.BULWARK_OUTBOUND_ALLOW = "127.0.0.1/32";
  for (const [kid, alg] of [
    ["rs1", "RS256"],
    ["rs2", "RS256"],
    ["es1", "ES256"],
  ] as const) {
    const pair = await generateKeyPair(alg, { extractable: true });
    keys[kid] = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: "sig" } };
  }
  published = [keys.rs1.jwk, keys.es1.jwk];
  jwksServer = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: published })));
  const jwksPort = await getFreePort();
  await new Promise<void>((ok) => jwksServer.listen(jwksPort, "127.0.0.1", ok));
  jwksUrl = `http://127.0.0.1:${jwksPort}/.well-known/jwks.json`;

  database = await createTestDatabase();
  db = createDb(database.url);
  echo = await startUpstream("echo");
  const created = new Date().toISOString();
  await replaceDraft(db, {
    services: [{ name: "echo", targets: [{ address: echo.address }] }],
    consumers: [
      { name: "partner-a", apiKeys: [{ id: "keyaaaaa", sha256: hashApiKey(KEY_A), createdAt: created }] },
      { name: "partner-b", apiKeys: [{ id: "keybbbbb", sha256: hashApiKey(KEY_B), createdAt: created }] },
    ],
    routes: [
      { name: "open", path: "/open", service: "echo" },
      { name: "keyed", path: "/keyed", service: "echo", auth: { apiKey: {} }, rateLimit: { requests: 3, windowMs: 60_000, by: "consumer" } },
      { name: "hs", path: "/hs", service: "echo", auth: { jwt: { algorithm: "HS256", secret: SECRET, issuer: "https://id.campus.edu", audience: "exams", clockSkewSec: 30 } } },
      { name: "rs", path: "/rs", service: "echo", auth: { jwt: { algorithm: "RS256", jwksUrl } } },
      { name: "es", path: "/es", service: "echo", auth: { jwt: { algorithm: "ES256", jwksUrl } } },
      { name: "either", path: "/either", service: "echo", auth: { apiKey: {}, jwt: { algorithm: "HS256", secret: SECRET } } },
      { name: "office", path: "/office", service: "echo", ipAllow: ["10.0.0.0/8"] },
      { name: "campus", path: "/campus", service: "echo", ipAllow: ["127.0.0.0/8", "::1"] },
      { name: "banned", path: "/banned", service: "echo", ipAllow: ["127.0.0.0/8"], ipDeny: ["127.0.0.1/32"] },
    ],
  });
  const { version } = await publishDraft(db, { author: "test" });
  gateway = await startGateway({ databaseUrl: database.url, workers: 1, env: { REDIS_URL: "" } });
  await gateway.waitForVersion(version, 1);
});

afterAll(async () => {
  await gateway?.stop();
  await echo?.close();
  jwksServer?.close();
  await db?.$disconnect();
  await database?.close();
});

interface Answer {
  status: number;
  code: string | null;
  consumer: string | null;
}

async function call(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${gateway.url}${path}`, { headers });
  const body = (await res.json()) as { error?: { code: string }; headers?: Record<string, string> };
  return { status: res.status, code: body.error?.code ?? null, consumer: body.headers?.["x-consumer-name"] ?? null };
}

const now = () => Math.floor(Date.now() / 1000);
const hs = (claims: Record<string, unknown>, secret = SECRET) => new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(secret));
const good = { sub: "lms-grader", iss: "https://id.campus.edu", aud: "exams" };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("API keys", () => {
  it("admit a known key as its consumer, passed upstream, and refuse a missing or unknown key", async () => {
    expect(await call("/keyed/x", { "x-api-key": KEY_A })).toEqual({ status: 200, code: null, consumer: "partner-a" });
    expect(await call("/keyed/x")).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
    expect(await call("/keyed/x", { "x-api-key": "bwk_guessed" })).toMatchObject({ status: 401, code: "INVALID_API_KEY" });
  });

  it("never let a client name its own consumer", async () => {
    expect(await call("/open/x", { "x-consumer-name": "partner-a" })).toEqual({ status: 200, code: null, consumer: null });
    expect(await call("/keyed/x", { "x-api-key": KEY_B, "x-consumer-name": "partner-a" })).toMatchObject({ status: 200, consumer: "partner-b" });
  });

  it("give each consumer its own rate limit", async () => {
    const a = [];
    for (let i = 0; i < 4; i++) a.push((await call("/keyed/x", { "x-api-key": KEY_A })).status);
    expect(a).toEqual([200, 200, 429, 429]); // one request of partner-a went through in the first test
    expect((await call("/keyed/x", { "x-api-key": KEY_B })).status).toBe(200);
  });
});

describe("JWTs", () => {
  it("admit a valid HS256 token as the consumer its sub names", async () => {
    expect(await call("/hs/x", bearer(await hs({ ...good, exp: now() + 60 })))).toEqual({ status: 200, code: null, consumer: "lms-grader" });
  });

  it.each([
    ["expired", () => hs({ ...good, exp: now() - 120 }), "TOKEN_EXPIRED"],
    ["not yet valid", () => hs({ ...good, nbf: now() + 120, exp: now() + 600 }), "TOKEN_NOT_YET_VALID"],
    ["wrongly signed", () => hs({ ...good, exp: now() + 60 }, "another-secret-that-is-long-enough-to-sign-with"), "INVALID_TOKEN"],
    ["for another audience", () => hs({ ...good, aud: "catalog", exp: now() + 60 }), "INVALID_TOKEN"],
    ["from another issuer", () => hs({ ...good, iss: "https://evil.example", exp: now() + 60 }), "INVALID_TOKEN"],
    [
      "with alg none",
      async () => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify({ ...good, exp: now() + 60 })).toString("base64url")}.`,
      "INVALID_TOKEN",
    ],
    ["garbage", async () => "not.a.jwt", "INVALID_TOKEN"],
    ["naming a consumer that cannot be a header value", () => hs({ ...good, sub: "grader\r\nx-injected: 1", exp: now() + 60 }), "INVALID_TOKEN"],
  ])("refuse a token %s", async (_what, make, code) => {
    expect(await call("/hs/x", bearer(await make()))).toMatchObject({ status: 401, code });
  });

  it("allow the configured clock skew", async () => {
    expect((await call("/hs/x", bearer(await hs({ ...good, exp: now() - 10 })))).status).toBe(200);
  });

  it("verify RS256 and ES256 tokens against the JWKS, and pick up a rotated key", async () => {
    const sign = (kid: "rs1" | "rs2" | "es1", alg: string) => new SignJWT({ sub: "partner-sso", exp: now() + 60 }).setProtectedHeader({ alg, kid }).sign(keys[kid].privateKey);
    expect(await call("/rs/x", bearer(await sign("rs1", "RS256")))).toMatchObject({ status: 200, consumer: "partner-sso" });
    expect(await call("/es/x", bearer(await sign("es1", "ES256")))).toMatchObject({ status: 200, consumer: "partner-sso" });
    expect(await call("/rs/x", bearer(await sign("es1", "ES256")))).toMatchObject({ status: 401, code: "INVALID_TOKEN" }); // algorithm not allowed here
    expect(await call("/rs/x", bearer(await sign("rs2", "RS256")))).toMatchObject({ status: 401, code: "INVALID_TOKEN" }); // not published yet
    published = [keys.rs2.jwk, keys.es1.jwk]; // the identity provider rotates
    await new Promise((r) => setTimeout(r, 1200)); // past the refetch cooldown
    expect(await call("/rs/x", bearer(await sign("rs2", "RS256")))).toMatchObject({ status: 200, consumer: "partner-sso" });
  });

  it("accept either credential on a route that takes both", async () => {
    expect((await call("/either/x", { "x-api-key": KEY_B })).consumer).toBe("partner-b");
    expect((await call("/either/x", bearer(await hs({ sub: "svc", exp: now() + 60 })))).consumer).toBe("svc");
    expect((await call("/either/x")).code).toBe("UNAUTHORIZED");
  });
});

describe("IP allow and deny lists", () => {
  it("apply to the real client address, not a forwarding header it sends", async () => {
    expect(await call("/office/x")).toMatchObject({ status: 403, code: "IP_FORBIDDEN" });
    expect(await call("/office/x", { "x-forwarded-for": "10.1.2.3" })).toMatchObject({ status: 403, code: "IP_FORBIDDEN" });
    expect((await call("/campus/x", { "x-forwarded-for": "192.0.2.9" })).status).toBe(200);
    expect(await call("/banned/x")).toMatchObject({ status: 403, code: "IP_FORBIDDEN" }); // deny wins over allow
  });
});
