import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { findInputProblem } from "@/server/http/check-input";
import { readSessionCookie } from "@/server/auth/session-cookie";
import { bearer, makeSession, makeToken, ORIGIN } from "./auth-helpers";

/**
 * Hostile strings (NUL, lone surrogates), broken cookies, deep nesting and huge bodies against every field
 * class the admin API takes: each is a 4xx naming the field, and nothing is saved (no row, no audit entry).
 */
type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;
let database: TestDatabase;
let admin: Record<string, string>;
const mod = async (path: string) => (await import(/* @vite-ignore */ `@/app/api/v1/${path}/route`)) as Record<string, Handler>;
const ctx = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) });
const send = (method: string, body: string | undefined, headers: Record<string, string> = {}, url = `${ORIGIN}/api/v1/x`) =>
  new Request(url, { method, headers: { ...admin, "content-type": "application/json", ...headers }, body });

async function rowCounts() {
  const db = (await import("@/server/db")).getDb();
  const [audit, services, routes, consumers, slos, users, tokens, sessions] = await Promise.all([
    db.auditEntry.count(),
    db.service.count(),
    db.route.count(),
    db.consumer.count(),
    db.sloDefinition.count(),
    db.user.count(),
    db.apiToken.count(),
    db.session.count(),
  ]);
  return { audit, services, routes, consumers, slos, users, tokens, sessions };
}

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  admin = bearer((await makeToken("admin")).token);
  const services = await mod("services");
  expect((await services.POST(send("POST", JSON.stringify({ name: "catalog", targets: [{ address: "127.0.0.1:4001" }] })), ctx())).status).toBe(201);
  const consumers = await mod("consumers");
  expect((await consumers.POST(send("POST", JSON.stringify({ name: "mobile-app" })), ctx())).status).toBe(201);
});
afterAll(async () => {
  const { getDb } = await import("@/server/db");
  await getDb().$disconnect();
  await database.close();
});

const NUL = "\u0000";
const LONE = "\ud800";
// Every field class the API takes, each as a request with one hostile string in it.
const cases: { name: string; route: string; method: string; params?: Record<string, string>; body: (bad: string) => unknown; path: string; publicRoute?: boolean }[] = [
  { name: "entity name", route: "services", method: "POST", body: (bad) => ({ name: `svc${bad}`, targets: [{ address: "127.0.0.1:4002" }] }), path: "name" },
  { name: "nested address", route: "services", method: "POST", body: (bad) => ({ name: "svc-b", targets: [{ address: `127.0.0.1:40${bad}` }] }), path: "targets.0.address" },
  { name: "route path and host", route: "routes", method: "POST", body: (bad) => ({ name: "r", path: `/a${bad}`, service: "catalog" }), path: "path" },
  {
    name: "update of an existing entity",
    route: "services/[name]",
    method: "PUT",
    params: { name: "catalog" },
    body: (bad) => ({ name: "catalog", targets: [{ address: "127.0.0.1:4001" }], description: bad }),
    path: "description",
  },
  {
    name: "free text (SLO description)",
    route: "slos",
    method: "POST",
    body: (bad) => ({ name: "s", description: `exam ${bad}`, objective: { kind: "availability", target: 99.9 }, window: "30d", selector: { route: "x" } }),
    path: "description",
  },
  { name: "URL (SLO webhook)", route: "slos", method: "POST", body: (bad) => ({ name: "s2", webhookUrl: `https://hooks.example/${bad}` }), path: "webhookUrl" },
  { name: "consumer name", route: "consumers", method: "POST", body: (bad) => ({ name: `c${bad}` }), path: "name" },
  {
    name: "consumer description (update)",
    route: "consumers/[name]",
    method: "PUT",
    params: { name: "mobile-app" },
    body: (bad) => ({ name: "mobile-app", description: `app ${bad}` }),
    path: "description",
  },
  { name: "user email", route: "users", method: "POST", body: (bad) => ({ email: `a${bad}@b.test`, name: "A", role: "viewer" }), path: "email" },
  { name: "user display name", route: "users", method: "POST", body: (bad) => ({ email: "n@b.test", name: `A${bad}`, role: "viewer" }), path: "name" },
  { name: "password", route: "users", method: "POST", body: (bad) => ({ email: "p@b.test", name: "P", role: "viewer", password: `correct horse ${bad} battery` }), path: "password" },
  { name: "token name", route: "tokens", method: "POST", body: (bad) => ({ name: `t${bad}`, role: "viewer", expiresInDays: 1 }), path: "name" },
  { name: "publish message", route: "publish", method: "POST", body: (bad) => ({ message: `release ${bad}` }), path: "message" },
  { name: "field name (object key)", route: "services", method: "POST", body: (bad) => ({ name: "svc-k", targets: [{ address: "127.0.0.1:4003" }], [`x${bad}`]: 1 }), path: "x" },
  { name: "sign-in email", route: "auth/sign-in", method: "POST", body: (bad) => ({ email: `admin${bad}@bulwark.local`, password: "whatever-password" }), path: "email", publicRoute: true },
  { name: "sign-in password", route: "auth/sign-in", method: "POST", body: (bad) => ({ email: "admin@bulwark.local", password: `x${bad}yyyyyyyyyyyy` }), path: "password", publicRoute: true },
];

describe("no input reaches a 500", () => {
  for (const [label, bad] of [
    ["a NUL byte", NUL],
    ["a lone surrogate", LONE],
  ] as const) {
    it.each(cases)(`$name with ${label} is a 422 at its field, and nothing is saved`, async ({ route, method, params, body, path, publicRoute }) => {
      const before = await rowCounts();
      const handler = (await mod(route))[method];
      const headers: Record<string, string> = publicRoute ? { authorization: "", origin: ORIGIN, host: "console.test" } : {};
      const res = await handler(send(method, JSON.stringify(body(bad)), headers), ctx(params));
      const answer = await res.json();
      expect(res.status, JSON.stringify(answer)).toBe(422);
      expect(answer.error.code).toBe("VALIDATION_FAILED");
      expect(answer.error.fields[0].path).toBe(path.startsWith("x") ? answer.error.fields[0].path : path);
      expect(answer.error.fields[0].message).toMatch(bad === NUL ? /NUL/ : /surrogate/);
      expect(await rowCounts()).toEqual(before);
    });
  }

  it("a body nested thousands of levels deep is a 400, not a stack overflow", async () => {
    const before = await rowCounts();
    const services = await mod("services");
    for (const deep of ["[".repeat(100_000) + "]".repeat(100_000), `{"name":"d","targets":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`]) {
      const res = await services.POST(send("POST", deep), ctx());
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe("JSON_TOO_DEEP");
    }
    expect(await rowCounts()).toEqual(before);
  });

  it("a body over the limit is a 413 whether or not Content-Length says so", async () => {
    const services = await mod("services");
    const huge = JSON.stringify({ name: "h", description: "x".repeat(5 * 1024 * 1024), targets: [] });
    const declared = await services.POST(send("POST", huge), ctx());
    expect(declared.status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(huge));
        c.close();
      },
    });
    const chunked = await services.POST(new Request(`${ORIGIN}/api/v1/services`, { method: "POST", headers: admin, body: stream, duplex: "half" } as RequestInit), ctx());
    expect(chunked.status).toBe(413);
    expect((await chunked.json()).error.code).toBe("BODY_TOO_LARGE");
  });

  it("path parameters with a NUL or a lone surrogate are a 400 for reads and writes alike", async () => {
    for (const name of [`catalog${NUL}`, `catalog${LONE}`]) {
      const service = await mod("services/[name]");
      for (const method of ["GET", "PUT", "DELETE"]) {
        const res = await service[method](send(method, method === "PUT" ? "{}" : undefined), ctx({ name }));
        expect(res.status, method).toBe(400);
        expect((await res.json()).error.code).toBe("BAD_PATH_PARAMETER");
      }
    }
  });

  it("query parameters with a NUL are a 422 at their name", async () => {
    const audit = await mod("audit");
    const res = await audit.GET(send("GET", undefined, {}, `${ORIGIN}/api/v1/audit?actor=a%00b`), ctx());
    expect(res.status).toBe(422);
    expect((await res.json()).error.fields[0].path).toBe("actor");
  });

  it("a malformed session cookie is no session (401), never a 500", async () => {
    const me = await mod("auth/me");
    const { cookie } = await makeSession("viewer");
    for (const bad of ["bulwark_session=%E0%A4%A", "bulwark_session=%00", "bulwark_session=a%zz", "bulwark_session", "bulwark_session=;;;=", `bulwark_session=${"a".repeat(10_000)}`]) {
      const res = await me.GET(new Request(`${ORIGIN}/api/v1/auth/me`, { headers: { cookie: bad } }), ctx());
      expect(res.status, bad).toBe(401);
    }
    const good = await me.GET(new Request(`${ORIGIN}/api/v1/auth/me`, { headers: { cookie } }), ctx());
    expect(good.status).toBe(200);
  });

  it("every answer, errors included, says Cache-Control: no-store", async () => {
    const services = await mod("services");
    const me = await mod("auth/me");
    const answers = [
      await services.GET(send("GET", undefined), ctx()),
      await services.POST(send("POST", "{nope"), ctx()),
      await me.GET(new Request(`${ORIGIN}/api/v1/auth/me`), ctx()),
      await (await mod("services/[name]")).GET(send("GET", undefined), ctx({ name: "nope" })),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 400, 401, 404]);
    for (const res of answers) expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

describe("input checks (unit)", () => {
  it("names the path of the first bad string, keys included", () => {
    expect(findInputProblem({ a: [{ b: "ok" }, { c: `x${NUL}` }] })).toEqual({ kind: "field", field: { path: "a.1.c", message: "must not contain NUL characters" } });
    expect(findInputProblem({ [`k${LONE}`]: 1 })).toMatchObject({ kind: "field", field: { path: `k${LONE}` } });
    expect(findInputProblem({ ok: "\ud83d\ude00 fine" })).toBeNull();
    expect(findInputProblem(JSON.parse("[".repeat(40) + "]".repeat(40)))).toEqual({ kind: "depth", path: expect.any(String) });
    expect(findInputProblem(JSON.parse("[".repeat(20) + "]".repeat(20)))).toBeNull();
  });

  it("reads only Bulwark's own cookie spelling", () => {
    expect(readSessionCookie(new Headers({ cookie: "a=b; bulwark_session=abc_DEF-123" }))).toBe("abc_DEF-123");
    expect(readSessionCookie(new Headers({ cookie: "bulwark_session=%E0%A4%A" }))).toBeNull();
  });
});
