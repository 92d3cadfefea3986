import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { makeSession, makeToken, ORIGIN } from "./auth-helpers";

/** Through the API: a token made by a signed-in admin loses its power with that admin. */
let database: TestDatabase;
let tokens: typeof import("@/app/api/v1/tokens/route");
let users: typeof import("@/app/api/v1/users/[id]/route");
let services: typeof import("@/app/api/v1/services/route");
const ctx = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) });

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  [tokens, users, services] = await Promise.all([import("@/app/api/v1/tokens/route"), import("@/app/api/v1/users/[id]/route"), import("@/app/api/v1/services/route")]);
});
afterAll(async () => {
  const { getDb } = await import("@/server/db");
  await getDb().$disconnect();
  await database.close();
});

describe("API tokens through the console", () => {
  it("are demoted with their creator and end when the creator is disabled", async () => {
    const root = await makeToken("admin");
    const rootAuth = { authorization: `Bearer ${root.token}`, "content-type": "application/json" };
    await makeSession("admin"); // another admin, so demoting the creator is allowed
    const creator = await makeSession("admin");
    const made = await tokens.POST(
      new Request(`${ORIGIN}/api/v1/tokens`, {
        method: "POST",
        headers: { cookie: creator.cookie, origin: ORIGIN, host: "console.test", "content-type": "application/json" },
        body: JSON.stringify({ name: "pipeline", role: "admin", expiresInDays: 30 }),
      }),
      ctx(),
    );
    expect(made.status).toBe(201);
    const { token, createdByKind } = await made.json();
    expect(createdByKind).toBe("user");
    const withToken = (method = "GET", body?: unknown) =>
      new Request(`${ORIGIN}/api/v1/services`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const update = (body: unknown) => users.PUT(new Request(`${ORIGIN}/api/v1/users/${creator.userId}`, { method: "PUT", headers: rootAuth, body: JSON.stringify(body) }), ctx({ id: creator.userId }));

    expect((await services.POST(withToken("POST", { name: "svc-a", targets: [{ address: "127.0.0.1:4001" }] }), ctx())).status).toBe(201);
    expect((await update({ role: "viewer" })).status).toBe(200);
    const demoted = await services.POST(withToken("POST", { name: "svc-b", targets: [{ address: "127.0.0.1:4001" }] }), ctx());
    expect(demoted.status).toBe(403);
    expect((await services.GET(withToken(), ctx())).status).toBe(200);

    expect((await update({ disabled: true })).status).toBe(200);
    const disabled = await services.GET(withToken(), ctx());
    expect(disabled.status).toBe(401);
    expect((await disabled.json()).error.code).toBe("INVALID_TOKEN");
  });
});
