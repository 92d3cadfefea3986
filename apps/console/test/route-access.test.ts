import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { ROLES, type Role } from "@bulwark/db/roles";
import { makeSession, makeToken, ORIGIN } from "./auth-helpers";

/**
 * Walks every /api/v1 route file and every exported HTTP method, so a route added later is covered the day
 * it is added: refused without credentials, refused to a weaker role, refused cross-origin with a cookie,
 * and (for changes) audited exactly once with its actor.
 */
const SRC = fileURLToPath(new URL("../src/", import.meta.url));
const API_DIR = join(SRC, "app/api");
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

type Handler = ((request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>) & { requiredRole?: unknown };
interface Endpoint {
  /** "POST /api/v1/services/[name]" */
  key: string;
  method: string;
  template: string;
  handler: Handler;
}

/** The only route open without credentials. */
const PUBLIC = new Set(["POST /api/v1/auth/sign-in"]);
/** Routes that need another role than the default (viewer to read, operator to change). */
const ROLE_EXCEPTIONS: Record<string, Role> = {
  "POST /api/v1/auth/sign-out": "viewer",
  "GET /api/v1/users": "admin",
  "POST /api/v1/users": "admin",
  "PUT /api/v1/users/[id]": "admin",
  "DELETE /api/v1/users/[id]": "admin",
  "GET /api/v1/tokens": "admin",
  "POST /api/v1/tokens": "admin",
  "DELETE /api/v1/tokens/[id]": "admin",
  "GET /api/v1/audit": "admin",
};
const neededRole = (e: Endpoint): Role => ROLE_EXCEPTIONS[e.key] ?? (SAFE.has(e.method) ? "viewer" : "operator");

function walk(dir: string, name: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path, name) : entry === name ? [path] : [];
  });
}

let database: TestDatabase;
let endpoints: Endpoint[];
let mutations: Endpoint[];
let tokens: Record<Role, string>;

const urlOf = (template: string, params: Record<string, string>) => template.replace(/\[(\w+)\]/g, (_, k: string) => encodeURIComponent(params[k] ?? "x"));
const paramsOf = (template: string, params: Record<string, string> = {}) => Object.fromEntries([...template.matchAll(/\[(\w+)\]/g)].map(([, k]) => [k, params[k] ?? "x"]));

async function call(e: Endpoint, init: { headers?: Record<string, string>; body?: unknown; params?: Record<string, string> } = {}): Promise<Response> {
  const headers = { host: "console.test", ...init.headers };
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  const request = new Request(`${ORIGIN}${urlOf(e.template, init.params ?? {})}`, { method: e.method, headers, body });
  return e.handler(request, { params: Promise.resolve(paramsOf(e.template, init.params)) });
}
const bearer = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });
const find = (key: string) => {
  const e = endpoints.find((x) => x.key === key);
  if (!e) throw new Error(`no endpoint ${key}`);
  return e;
};
async function code(res: Response): Promise<string | undefined> {
  return (
    (await res
      .clone()
      .json()
      .catch(() => null)) as { error?: { code?: string } } | null
  )?.error?.code;
}

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  endpoints = [];
  for (const file of walk(API_DIR, "route.ts")) {
    const template = "/" + relative(join(SRC, "app"), file).split(sep).slice(0, -1).join("/");
    const mod = (await import(file)) as Record<string, unknown>;
    for (const method of HTTP_METHODS) {
      if (typeof mod[method] === "function") endpoints.push({ key: `${method} ${template}`, method, template, handler: mod[method] as Handler });
    }
  }
  mutations = endpoints.filter((e) => !SAFE.has(e.method));
  tokens = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, (await makeToken(r, `walker-${r}`)).token]))) as Record<Role, string>;
});
afterAll(async () => {
  const { getDb } = await import("@/server/db");
  await getDb().$disconnect();
  delete (globalThis as { __bulwarkDb?: unknown }).__bulwarkDb;
  await database?.close();
});

describe("every /api/v1 route", () => {
  it("is found by the walk (the walk itself works)", () => {
    expect(endpoints.length).toBeGreaterThan(40);
    expect(endpoints.map((e) => e.key)).toEqual(expect.arrayContaining(["GET /api/v1/services", "POST /api/v1/publish", "DELETE /api/v1/tokens/[id]", "GET /api/v1/audit"]));
    // Every exported method goes through handle(), the one place that authenticates.
    for (const e of endpoints) expect(e.handler.requiredRole, e.key).not.toBeUndefined();
  });

  it("answers 401 without a session or token, except sign-in", async () => {
    const open: string[] = [];
    for (const e of endpoints) {
      const res = await call(e, { headers: { origin: ORIGIN } });
      if (res.status !== 401) open.push(`${e.key} -> ${res.status}`);
      else expect(await code(res), e.key).toBe("UNAUTHENTICATED");
    }
    expect(open).toEqual(["POST /api/v1/auth/sign-in -> 400"]);
    expect([...PUBLIC]).toEqual(open.map((o) => o.split(" -> ")[0]));
  });

  it("answers 401 INVALID_TOKEN to a made-up Bearer token, never treating it as anonymous", async () => {
    for (const e of endpoints) {
      const res = await call(e, { headers: { authorization: "Bearer bwt_madeup", origin: ORIGIN } });
      expect(res.status, e.key).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect(await code(res)).toBe("INVALID_TOKEN");
    }
  });

  it("answers 403 FORBIDDEN to every role weaker than the route needs, by token and by session", async () => {
    const viewer = await makeSession("viewer");
    const operator = await makeSession("operator");
    const sessions: Partial<Record<Role, string>> = { viewer: viewer.cookie, operator: operator.cookie };
    for (const e of endpoints.filter((x) => !PUBLIC.has(x.key))) {
      const needed = neededRole(e);
      expect(e.handler.requiredRole ?? (SAFE.has(e.method) ? "viewer" : "operator"), e.key).toBe(needed);
      for (const role of ROLES.slice(0, ROLES.indexOf(needed))) {
        const byToken = await call(e, { headers: bearer(role) });
        expect([e.key, role, byToken.status, await code(byToken)]).toEqual([e.key, role, 403, "FORBIDDEN"]);
        const bySession = await call(e, { headers: { cookie: sessions[role]!, origin: ORIGIN } });
        expect([e.key, role, bySession.status, await code(bySession)]).toEqual([e.key, role, 403, "FORBIDDEN"]);
      }
    }
  });

  it("lets the role a route needs through (the refusals above are about the role, not the request)", async () => {
    for (const e of endpoints.filter((x) => !PUBLIC.has(x.key))) {
      const res = await call(e, { headers: bearer(neededRole(e)) });
      expect([401, 403], `${e.key} -> ${res.status} ${await code(res)}`).not.toContain(res.status);
    }
  });

  it("refuses every cookie-borne change from another origin, with no Origin, or with a null one", async () => {
    const admin = await makeSession("admin");
    for (const e of mutations) {
      for (const origin of ["https://evil.example", "http://console.test.evil.example", "null", undefined]) {
        const res = await call(e, { headers: { cookie: admin.cookie, ...(origin ? { origin } : {}) }, body: {} });
        expect([e.key, origin, res.status, await code(res)]).toEqual([e.key, origin, 403, "CSRF_REJECTED"]);
      }
    }
  });

  it("has no server actions (they would need their own guard and a place in this walk)", () => {
    const files = listSources(SRC);
    const withActions = files.filter((f) => /^\s*["']use server["']/m.test(readFileSync(f, "utf8")));
    expect(withActions).toEqual([]);
  });
});

function listSources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? listSources(path) : /\.tsx?$/.test(entry) ? [path] : [];
  });
}

describe("every change over /api/v1", () => {
  it("writes exactly one audit entry naming its actor, by session or by token", async () => {
    const { getDb } = await import("@/server/db");
    const db = getDb();
    const admin = await makeSession("admin");
    const cookie = { cookie: admin.cookie, origin: ORIGIN };
    const operatorToken = { ...bearer("operator") };
    const state: Record<string, string> = {};
    interface Step {
      key: string;
      action: string;
      actor: () => string;
      headers: () => Record<string, string>;
      params?: () => Record<string, string>;
      body?: () => unknown;
      after?: (res: Response) => Promise<void>;
    }
    const asAdmin = { actor: () => admin.email, headers: () => cookie };
    const asOperatorToken = { actor: () => "walker-operator", headers: () => operatorToken };
    const service = { name: "catalog", targets: [{ address: "127.0.0.1:4001" }] };
    const route = { name: "courses", path: "/courses", service: "catalog" };
    const slo = { name: "courses-up", target: { kind: "route", name: "courses" }, indicator: { type: "availability" }, objectivePercent: 99 };
    const steps: Step[] = [
      { key: "POST /api/v1/services", action: "service.create", ...asAdmin, body: () => service },
      { key: "PUT /api/v1/services/[name]", action: "service.update", ...asOperatorToken, params: () => ({ name: "catalog" }), body: () => ({ ...service, description: "courses" }) },
      { key: "POST /api/v1/routes", action: "route.create", ...asOperatorToken, body: () => route },
      { key: "PUT /api/v1/routes/[name]", action: "route.update", ...asAdmin, params: () => ({ name: "courses" }), body: () => ({ ...route, path: "/courses/v2" }) },
      { key: "POST /api/v1/consumers", action: "consumer.create", ...asAdmin, body: () => ({ name: "partner" }) },
      { key: "PUT /api/v1/consumers/[name]", action: "consumer.update", ...asOperatorToken, params: () => ({ name: "partner" }), body: () => ({ name: "partner", description: "proctoring" }) },
      {
        key: "POST /api/v1/consumers/[name]/keys",
        action: "consumer.key.create",
        ...asAdmin,
        params: () => ({ name: "partner" }),
        after: async (res) => void (state.keyId = ((await res.json()) as { id: string }).id),
      },
      { key: "DELETE /api/v1/consumers/[name]/keys/[id]", action: "consumer.key.revoke", ...asOperatorToken, params: () => ({ name: "partner", id: state.keyId }) },
      { key: "POST /api/v1/slos", action: "slo.create", ...asOperatorToken, body: () => slo },
      { key: "PUT /api/v1/slos/[name]", action: "slo.update", ...asAdmin, params: () => ({ name: "courses-up" }), body: () => ({ ...slo, objectivePercent: 99.5 }) },
      { key: "POST /api/v1/publish", action: "config.publish", ...asAdmin, body: () => ({ message: "first" }) },
      { key: "DELETE /api/v1/slos/[name]", action: "slo.delete", ...asOperatorToken, params: () => ({ name: "courses-up" }) },
      { key: "DELETE /api/v1/routes/[name]", action: "route.delete", ...asOperatorToken, params: () => ({ name: "courses" }) },
      { key: "DELETE /api/v1/services/[name]", action: "service.delete", ...asAdmin, params: () => ({ name: "catalog" }) },
      { key: "DELETE /api/v1/consumers/[name]", action: "consumer.delete", ...asAdmin, params: () => ({ name: "partner" }) },
      {
        key: "POST /api/v1/users",
        action: "user.create",
        ...asAdmin,
        body: () => ({ email: "new.viewer@test", role: "viewer" }),
        after: async (res) => {
          const body = (await res.json()) as { user: { id: string }; password: string };
          Object.assign(state, { userId: body.user.id, password: body.password });
        },
      },
      {
        key: "POST /api/v1/auth/sign-in",
        action: "auth.sign-in",
        actor: () => "new.viewer@test",
        headers: () => ({ origin: ORIGIN }),
        body: () => ({ email: "new.viewer@test", password: state.password }),
        after: async (res) => void (state.cookie = res.headers.get("set-cookie")!.split(";")[0]),
      },
      { key: "POST /api/v1/auth/sign-out", action: "auth.sign-out", actor: () => "new.viewer@test", headers: () => ({ cookie: state.cookie, origin: ORIGIN }) },
      { key: "PUT /api/v1/users/[id]", action: "user.update", ...asAdmin, params: () => ({ id: state.userId }), body: () => ({ role: "operator" }) },
      { key: "DELETE /api/v1/users/[id]", action: "user.delete", ...asAdmin, params: () => ({ id: state.userId }) },
      {
        key: "POST /api/v1/tokens",
        action: "token.create",
        actor: () => "walker-admin",
        headers: () => bearer("admin"),
        body: () => ({ name: "gitops", role: "operator", expiresInDays: 30 }),
        after: async (res) => void (state.tokenId = ((await res.json()) as { id: string }).id),
      },
      { key: "DELETE /api/v1/tokens/[id]", action: "token.revoke", ...asAdmin, params: () => ({ id: state.tokenId }) },
    ];
    // A new change route without a step here fails this line: add one.
    expect(steps.map((s) => s.key).sort()).toEqual(mutations.map((m) => m.key).sort());

    for (const step of steps) {
      const before = await db.auditEntry.count();
      const res = await call(find(step.key), { headers: step.headers(), params: step.params?.(), body: step.body?.() });
      expect([step.key, res.status], await res.clone().text()).toEqual([step.key, res.status < 300 ? res.status : "2xx"]);
      await step.after?.(res);
      expect([step.key, await db.auditEntry.count()]).toEqual([step.key, before + 1]);
      const entry = await db.auditEntry.findFirstOrThrow({ orderBy: { id: "desc" } });
      expect([step.key, entry.action, entry.actorName]).toEqual([step.key, step.action, step.actor()]);
    }
    // A publish is authored by who is signed in, not by anything the request says.
    const version = await db.configVersion.findFirstOrThrow({ orderBy: { version: "desc" } });
    expect(version.author).toBe(admin.email);
  });

  it("writes nothing for a refused change", async () => {
    const { getDb } = await import("@/server/db");
    const before = await getDb().auditEntry.count();
    expect((await call(find("POST /api/v1/services"), { headers: bearer("operator"), body: { name: "bad", targets: [{ address: "nohost" }] } })).status).toBe(422);
    expect((await call(find("POST /api/v1/services"), { headers: bearer("viewer"), body: { name: "ok", targets: [] } })).status).toBe(403);
    expect(await getDb().auditEntry.count()).toBe(before);
  });
});

describe("sessions and tokens over HTTP", () => {
  it("a signed-out session, a revoked token and an expired token all get 401", async () => {
    const { getDb } = await import("@/server/db");
    const db = getDb();
    const list = find("GET /api/v1/services");
    const session = await makeSession("viewer");
    expect((await call(list, { headers: { cookie: session.cookie } })).status).toBe(200);
    expect((await call(find("POST /api/v1/auth/sign-out"), { headers: { cookie: session.cookie, origin: ORIGIN } })).status).toBe(204);
    expect((await call(list, { headers: { cookie: session.cookie } })).status).toBe(401);

    const made = await call(find("POST /api/v1/tokens"), { headers: bearer("admin"), body: { name: "short-lived", role: "viewer", expiresInDays: 1 } });
    const { id, token } = (await made.json()) as { id: string; token: string };
    expect((await call(list, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await db.apiToken.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect(await code(await call(list, { headers: { authorization: `Bearer ${token}` } }))).toBe("INVALID_TOKEN");
    await db.apiToken.update({ where: { id }, data: { expiresAt: new Date(Date.now() + 3600_000) } });
    expect((await call(list, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await call(find("DELETE /api/v1/tokens/[id]"), { headers: bearer("admin"), params: { id } })).status).toBe(204);
    expect((await call(list, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it("sign-in sets an HttpOnly, SameSite=Strict cookie, Secure behind HTTPS, with a new id each time", async () => {
    const { getDb } = await import("@/server/db");
    const { createUser } = await import("@bulwark/db/users");
    await createUser(getDb(), { email: "cookie@test", role: "viewer", password: "a long enough password" }, { actor: { type: "system", id: null, name: "test" }, ip: null });
    const signIn = find("POST /api/v1/auth/sign-in");
    const body = { email: "cookie@test", password: "a long enough password" };
    const plain = await call(signIn, { headers: { origin: ORIGIN }, body });
    const cookie = plain.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^bulwark_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const secure = await call(signIn, { headers: { origin: ORIGIN, "x-forwarded-proto": "https", cookie: cookie.split(";")[0] }, body });
    const second = secure.headers.get("set-cookie")!;
    expect(second).toMatch(/; Secure$/);
    expect(second.split(";")[0]).not.toBe(cookie.split(";")[0]);
    // The browser's previous session was ended by the new sign-in.
    expect((await call(find("GET /api/v1/auth/me"), { headers: { cookie: cookie.split(";")[0] } })).status).toBe(401);
    const me = await call(find("GET /api/v1/auth/me"), { headers: { cookie: second.split(";")[0] } });
    expect(await me.json()).toMatchObject({ kind: "user", name: "cookie@test", role: "viewer" });
    const wrong = await call(signIn, { headers: { origin: ORIGIN }, body: { ...body, password: "nope" } });
    expect([wrong.status, await code(wrong)]).toEqual([401, "INVALID_CREDENTIALS"]);
  });
});
