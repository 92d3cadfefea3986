import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { toErrorResponse } from "@/server/api-error";
import { bearer, makeToken } from "./auth-helpers";

let database: TestDatabase;
let services: typeof import("@/app/api/v1/services/route");
let service: typeof import("@/app/api/v1/services/[name]/route");
let routes: typeof import("@/app/api/v1/routes/route");
let publish: typeof import("@/app/api/v1/publish/route");
let versions: typeof import("@/app/api/v1/versions/[version]/route");
let draft: typeof import("@/app/api/v1/draft/route");

const none = { params: Promise.resolve({}) };
const named = (name: string) => ({ params: Promise.resolve({ name }) });
let auth: Record<string, string> = {};
const req = (method: string, body?: unknown, headers: Record<string, string> = {}) =>
  new Request("http://console.test/api/v1/x", { method, headers: { ...auth, ...headers }, body: typeof body === "string" ? body : body === undefined ? undefined : JSON.stringify(body) });

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  [services, service, routes, publish, versions, draft] = await Promise.all([
    import("@/app/api/v1/services/route"),
    import("@/app/api/v1/services/[name]/route"),
    import("@/app/api/v1/routes/route"),
    import("@/app/api/v1/publish/route"),
    import("@/app/api/v1/versions/[version]/route"),
    import("@/app/api/v1/draft/route"),
  ]);
  auth = bearer((await makeToken("operator", "ci-pipeline")).token);
});
afterAll(async () => {
  const { getDb } = await import("@/server/db");
  await getDb().$disconnect();
  await database.close();
});

describe("admin API /api/v1", () => {
  it("answers 422 with entity-relative field paths and saves nothing", async () => {
    const res = await services.POST(req("POST", { name: "catalog", targets: [{ address: "nohost" }] }), none);
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({
      error: { code: "VALIDATION_FAILED", message: expect.any(String), fields: [{ path: "targets.0.address", message: "must be host:port, for example 127.0.0.1:4001" }] },
    });
    expect(await (await services.GET(req("GET"), none)).json()).toEqual([]);
  });

  it("answers 400 BAD_JSON to a body that is not JSON", async () => {
    const res = await services.POST(req("POST", "{nope"), none);
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("BAD_JSON");
  });

  it("creates, publishes with the authenticated token as author, and refuses an identical publish", async () => {
    expect((await services.POST(req("POST", { name: "catalog", targets: [{ address: "127.0.0.1:4001" }] }), none)).status).toBe(201);
    expect((await routes.POST(req("POST", { name: "courses", path: "/courses", service: "catalog" }), none)).status).toBe(201);
    const conflict = await routes.POST(req("POST", { name: "courses-2", path: "/courses", service: "catalog" }), none);
    expect(conflict.status).toBe(422);
    expect((await conflict.json()).error.fields).toEqual([{ path: "path", message: "conflicts with route courses (same host, path and method GET)" }]);
    expect((await (await draft.GET(req("GET"), none)).json()).pending).toHaveLength(2);

    const first = await publish.POST(req("POST", { message: "first" }), none);
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ version: 1, author: "ci-pipeline", message: "first" });
    const again = await publish.POST(req("POST"), none);
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe("NO_CHANGES");

    const v1 = await versions.GET(req("GET"), { params: Promise.resolve({ version: "1" }) });
    expect((await v1.json()).config.routes[0].name).toBe("courses");
  });

  it("ignores an x-bulwark-actor header: the author is who authenticated", async () => {
    await service.PUT(req("PUT", { name: "catalog", description: "changed", targets: [{ address: "127.0.0.1:4001" }] }), named("catalog"));
    expect(await (await publish.POST(req("POST", undefined, { "x-bulwark-actor": "mallory" }), none)).json()).toMatchObject({ version: 2, author: "ci-pipeline" });
  });

  it("maps missing entities to 404 and a service still in use to 409 SERVICE_IN_USE", async () => {
    const missing = await service.GET(req("GET"), named("nope"));
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("NOT_FOUND");
    const inUse = await service.DELETE(req("DELETE"), named("catalog"));
    expect(inUse.status).toBe(409);
    expect((await inUse.json()).error.code).toBe("SERVICE_IN_USE");
    expect((await versions.GET(req("GET"), { params: Promise.resolve({ version: "x1" }) })).status).toBe(404);
  });

  it("answers 422 at the policy's field path, for the route's own rules and for the whole-draft ones, and saves nothing", async () => {
    const before = await (await routes.GET(req("GET"), none)).json();
    const own = await routes.POST(req("POST", { name: "shop", path: "/shop", service: "catalog", retries: { backoffMs: 500, maxBackoffMs: 100 }, rateLimit: { by: "header" } }), none);
    expect(own.status).toBe(422);
    expect((await own.json()).error.fields).toEqual([
      { path: "retries.maxBackoffMs", message: "must be at least backoffMs" },
      { path: "rateLimit.header", message: "needs the header to count by, for example x-api-key" },
    ]);
    // Cross-entity: checked against the draft, but reported relative to the route, as the form expects.
    const split = await routes.POST(req("POST", { name: "shop", path: "/shop", service: "catalog", split: { service: "nope", percent: 10 } }), none);
    expect(split.status).toBe(422);
    expect((await split.json()).error.fields).toEqual([{ path: "split.service", message: "refers to service nope, which does not exist" }]);
    expect(await (await routes.GET(req("GET"), none)).json()).toEqual(before);

    const breaker = await service.PUT(req("PUT", { name: "catalog", targets: [{ address: "127.0.0.1:4001" }], circuitBreaker: { windowMs: 10 } }), named("catalog"));
    expect(breaker.status).toBe(422);
    expect((await breaker.json()).error.fields).toEqual([{ path: "circuitBreaker.windowMs", message: "must be at least 1000 ms" }]);
  });

  it("answers unknown errors with 500 and an id that is in the log, never the stack", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = toErrorResponse(new Error("secret detail"));
    const body = await res.json();
    expect(res.status).toBe(500);
    expect(body.error).toMatchObject({ code: "INTERNAL", id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(JSON.stringify(body)).not.toContain("secret detail");
    expect(String(log.mock.calls[0])).toContain(body.error.id);
    log.mockRestore();
  });
});
