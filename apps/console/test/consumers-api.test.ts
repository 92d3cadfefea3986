import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { bearer, makeToken } from "./auth-helpers";

let database: TestDatabase;
let consumers: typeof import("@/app/api/v1/consumers/route");
let consumer: typeof import("@/app/api/v1/consumers/[name]/route");
let keys: typeof import("@/app/api/v1/consumers/[name]/keys/route");
let key: typeof import("@/app/api/v1/consumers/[name]/keys/[id]/route");

const none = { params: Promise.resolve({}) };
const named = (params: Record<string, string>) => ({ params: Promise.resolve(params) });
let auth: Record<string, string> = {};
const req = (method: string, body?: unknown) => new Request("http://console.test/api/v1/x", { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  [consumers, consumer, keys, key] = await Promise.all([
    import("@/app/api/v1/consumers/route"),
    import("@/app/api/v1/consumers/[name]/route"),
    import("@/app/api/v1/consumers/[name]/keys/route"),
    import("@/app/api/v1/consumers/[name]/keys/[id]/route"),
  ]);
  auth = bearer((await makeToken("operator")).token);
});
afterAll(async () => {
  const { getDb } = await import("@/server/db");
  await getDb().$disconnect();
  await database.close();
});

describe("/api/v1/consumers", () => {
  it("creates a consumer, makes a key shown once and stored hashed, revokes it", async () => {
    expect((await consumers.POST(req("POST", { name: "partner-a" }), none)).status).toBe(201);
    const bad = await consumers.POST(req("POST", { name: "Partner A" }), none);
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.fields[0].path).toBe("name");

    const made = await keys.POST(req("POST"), named({ name: "partner-a" }));
    expect(made.status).toBe(201);
    const { id, key: secret } = (await made.json()) as { id: string; key: string };
    const stored = (await (await consumer.GET(req("GET"), named({ name: "partner-a" }))).json()) as { apiKeys: { id: string; sha256: string }[] };
    expect(stored.apiKeys).toEqual([expect.objectContaining({ id, sha256: createHash("sha256").update(secret).digest("hex") })]);
    expect(JSON.stringify(stored)).not.toContain(secret);

    expect((await key.DELETE(req("DELETE"), named({ name: "partner-a", id }))).status).toBe(204);
    expect((await key.DELETE(req("DELETE"), named({ name: "partner-a", id }))).status).toBe(404);
    expect((await keys.POST(req("POST"), named({ name: "nobody" }))).status).toBe(404);
  });
});
