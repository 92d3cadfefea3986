import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayConfig } from "@bulwark/config/schema";
import { getLatestVersion } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import type { Role } from "@bulwark/db/roles";
import { bearer, makeToken } from "./auth-helpers";

/**
 * Stored secrets are write-only over the admin API: no role reads one back from any answer that carries config,
 * and sending back what was read keeps the value the workers load.
 */
const SECRET = "exam-portal-hs256-secret-0123456789abcdef";
const ROTATED = "exam-portal-hs256-secret-rotated-9876543210";

let database: TestDatabase;
let tokens: Record<Role, string>;
let api: {
  services: typeof import("@/app/api/v1/services/route");
  routes: typeof import("@/app/api/v1/routes/route");
  route: typeof import("@/app/api/v1/routes/[name]/route");
  draft: typeof import("@/app/api/v1/draft/route");
  publish: typeof import("@/app/api/v1/publish/route");
  versions: typeof import("@/app/api/v1/versions/route");
  version: typeof import("@/app/api/v1/versions/[version]/route");
  audit: typeof import("@/app/api/v1/audit/route");
};

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;
async function call(handler: Handler, role: Role, init: { method?: string; body?: unknown; params?: Record<string, string> } = {}) {
  const request = new Request("http://console.test/api/v1/x", {
    method: init.method ?? "GET",
    headers: bearer(tokens[role]),
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const res = await handler(request, { params: Promise.resolve(init.params ?? {}) });
  return { status: res.status, text: await res.text() };
}

const hsRoute = (secret: unknown) => ({ name: "exams", path: "/exams", service: "portal", auth: { jwt: { algorithm: "HS256", secret, issuer: "https://id.campus.edu" } } });
const loadedSecret = async () => ((await getLatestVersion((await import("@/server/db")).getDb()))!.config as GatewayConfig).routes.find((r) => r.name === "exams")?.auth?.jwt?.secret;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  api = {
    services: await import("@/app/api/v1/services/route"),
    routes: await import("@/app/api/v1/routes/route"),
    route: await import("@/app/api/v1/routes/[name]/route"),
    draft: await import("@/app/api/v1/draft/route"),
    publish: await import("@/app/api/v1/publish/route"),
    versions: await import("@/app/api/v1/versions/route"),
    version: await import("@/app/api/v1/versions/[version]/route"),
    audit: await import("@/app/api/v1/audit/route"),
  };
  tokens = {
    viewer: (await makeToken("viewer")).token,
    operator: (await makeToken("operator")).token,
    admin: (await makeToken("admin")).token,
  } as Record<Role, string>;
  expect((await call(api.services.POST, "operator", { method: "POST", body: { name: "portal", targets: [{ address: "127.0.0.1:4001" }] } })).status).toBe(201);
});
afterAll(async () => {
  const { getDb } = await import("@/server/db");
  await getDb().$disconnect();
  delete (globalThis as { __bulwarkDb?: unknown }).__bulwarkDb;
  await database?.close();
});

/** Every answer that carries config, as each role reads it. */
async function readEverything(role: Role): Promise<string[]> {
  const answers = [await call(api.routes.GET, role), await call(api.route.GET, role, { params: { name: "exams" } }), await call(api.draft.GET, role), await call(api.versions.GET, role)];
  const versions = JSON.parse(answers[3].text) as { version: number }[];
  for (const v of versions) answers.push(await call(api.version.GET, role, { params: { version: String(v.version) } }));
  for (const a of answers) expect(a.status).toBe(200);
  return answers.map((a) => a.text);
}

describe("a route's HS256 secret over /api/v1", () => {
  it("is in no answer once stored, for any role: routes, the route, the draft, versions and each version's config", async () => {
    const created = await call(api.routes.POST, "operator", { method: "POST", body: hsRoute(SECRET) });
    expect(created.status).toBe(201);
    expect(created.text).not.toContain(SECRET);
    expect(JSON.parse(created.text).auth.jwt.secret).toEqual({ set: true, fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{12}$/) });
    expect((await call(api.publish.POST, "operator", { method: "POST", body: { message: "exams behind JWT" } })).status).toBe(201);
    for (const role of ["viewer", "operator", "admin"] as const) {
      const texts = await readEverything(role);
      expect(texts.length).toBeGreaterThanOrEqual(5);
      for (const text of texts) expect(text, role).not.toContain(SECRET);
    }
    const version = JSON.parse((await call(api.version.GET, "admin", { params: { version: "1" } })).text) as { config: GatewayConfig };
    expect(version.config.routes[0].auth?.jwt?.secret).toEqual(JSON.parse(created.text).auth.jwt.secret);
    // The workers still get the real value: they load the version from the database, not through the API.
    expect(await loadedSecret()).toBe(SECRET);
  });

  it("is kept when what was read is written back (with another change), and reaches the workers unchanged", async () => {
    const read = JSON.parse((await call(api.route.GET, "operator", { params: { name: "exams" } })).text) as Record<string, unknown>;
    const saved = await call(api.route.PUT, "operator", { method: "PUT", params: { name: "exams" }, body: { ...read, path: "/exams/v2" } });
    expect(saved.status).toBe(200);
    expect(saved.text).not.toContain(SECRET);
    expect((await call(api.publish.POST, "operator", { method: "POST", body: {} })).status).toBe(201);
    expect(await loadedSecret()).toBe(SECRET);
    for (const text of await readEverything("viewer")) expect(text).not.toContain(SECRET);
  });

  it("is replaced by a new value, which is then as unreadable as the first", async () => {
    const read = JSON.parse((await call(api.route.GET, "operator", { params: { name: "exams" } })).text) as { auth: { jwt: Record<string, unknown> } };
    const before = read.auth.jwt.secret;
    const saved = await call(api.route.PUT, "operator", { method: "PUT", params: { name: "exams" }, body: { ...read, auth: { ...read.auth, jwt: { ...read.auth.jwt, secret: ROTATED } } } });
    expect(saved.status).toBe(200);
    expect(saved.text).not.toContain(ROTATED);
    expect(JSON.parse(saved.text).auth.jwt.secret).not.toEqual(before);
    expect((await call(api.publish.POST, "operator", { method: "POST", body: {} })).status).toBe(201);
    expect(await loadedSecret()).toBe(ROTATED);
    for (const text of await readEverything("admin")) {
      expect(text).not.toContain(ROTATED);
      expect(text).not.toContain(SECRET);
    }
  });

  it("refuses a marker where no secret is stored (a new route) with 422 at auth.jwt.secret", async () => {
    const res = await call(api.routes.POST, "operator", { method: "POST", body: { ...hsRoute({ set: true }), name: "quizzes", path: "/quizzes" } });
    expect(res.status).toBe(422);
    expect(JSON.parse(res.text).error.fields).toEqual([{ path: "auth.jwt.secret", message: expect.stringContaining("none is stored here") }]);
  });

  it("refuses a marker that is not the stored secret's (read before a rotation) with 422, keeping the stored one", async () => {
    const stale = hsRoute({ set: true, fingerprint: "sha256:000000000000" });
    const res = await call(api.route.PUT, "operator", { method: "PUT", params: { name: "exams" }, body: { ...stale, path: "/exams/v2" } });
    expect(res.status).toBe(422);
    expect(JSON.parse(res.text).error.fields.map((f: { path: string }) => f.path)).toEqual(["auth.jwt.secret"]);
    expect(await loadedSecret()).toBe(ROTATED);
  });

  it("is in no audit entry, created, kept or rotated", async () => {
    const audit = await call(api.audit.GET, "admin");
    expect(audit.status).toBe(200);
    expect(audit.text).toContain("route.update");
    expect(audit.text).not.toContain(SECRET);
    expect(audit.text).not.toContain(ROTATED);
  });
});
