import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { bearer, makeToken } from "./auth-helpers";

let database: TestDatabase;
let services: typeof import("@/app/api/v1/services/route");
let service: typeof import("@/app/api/v1/services/[name]/route");
let routes: typeof import("@/app/api/v1/routes/route");
let slos: typeof import("@/app/api/v1/slos/route");
let draft: typeof import("@/app/api/v1/draft/route");
let publish: typeof import("@/app/api/v1/publish/route");

const none = { params: Promise.resolve({}) };
const named = (name: string) => ({ params: Promise.resolve({ name }) });
let auth: Record<string, string> = {};
const req = (method: string, body?: unknown) => new Request("http://console.test/api/v1/x", { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
const fieldsOf = async (res: Response) => {
  expect(res.status).toBe(422);
  const body = await res.json();
  expect(body.error.code).toBe("VALIDATION_FAILED");
  return body.error.fields;
};

beforeAll(async () => {
  delete process.env.BULWARK_OUTBOUND_ALLOW; // the defaults: no allow-list
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  [services, service, routes, slos, draft, publish] = await Promise.all([
    import("@/app/api/v1/services/route"),
    import("@/app/api/v1/services/[name]/route"),
    import("@/app/api/v1/routes/route"),
    import("@/app/api/v1/slos/route"),
    import("@/app/api/v1/draft/route"),
    import("@/app/api/v1/publish/route"),
  ]);
  auth = bearer((await makeToken("operator", "ci-pipeline")).token);
});
afterAll(async () => {
  const { getDb } = await import("@/server/db");
  await getDb().$disconnect();
  await database.close();
});

describe("outbound addresses through the admin API", () => {
  it("refuses a service target at cloud metadata with 422 and the field, and saves nothing", async () => {
    const res = await services.POST(req("POST", { name: "catalog", targets: [{ address: "127.0.0.1:4001" }, { address: "169.254.169.254:80" }] }), none);
    expect(await fieldsOf(res)).toEqual([{ path: "targets.1.address", message: "points at cloud metadata 169.254.169.254" }]);
    expect(await (await services.GET(req("GET"), none)).json()).toEqual([]);
    expect((await (await draft.GET(req("GET"), none)).json()).pending).toEqual([]);
  });

  it("refuses a target at the gateway's admin port or the console's own port, in any spelling", async () => {
    expect(await fieldsOf(await services.POST(req("POST", { name: "admin", targets: [{ address: "0x7f.1:9091" }] }), none))).toEqual([
      { path: "targets.0.address", message: "is the gateway's admin port (GATEWAY_ADMIN_PORT=9091) on this host" },
    ]);
    expect(await fieldsOf(await services.POST(req("POST", { name: "console", targets: [{ address: "localhost:3000" }] }), none))).toEqual([
      { path: "targets.0.address", message: "is the console's port (CONSOLE_PORT=3000) on this host" },
    ]);
    expect(await (await services.GET(req("GET"), none)).json()).toEqual([]);
  });

  it("keeps loopback upstreams, and refuses to change one to a link-local address", async () => {
    expect((await services.POST(req("POST", { name: "catalog", targets: [{ address: "127.0.0.1:4001" }] }), none)).status).toBe(201);
    const res = await service.PUT(req("PUT", { name: "catalog", targets: [{ address: "[::ffff:169.254.10.1]:4001" }] }), named("catalog"));
    expect(await fieldsOf(res)).toEqual([
      { path: "targets.0.address", message: "points at a link-local address 169.254.10.1 (written ::ffff:a9fe:a01); service targets may reach it only when BULWARK_OUTBOUND_ALLOW lists it" },
    ]);
    expect((await (await service.GET(req("GET"), named("catalog"))).json()).targets).toEqual([{ address: "127.0.0.1:4001", weight: 100 }]);
  });

  it("refuses a JWKS URL on loopback without the allow-list", async () => {
    const res = await routes.POST(req("POST", { name: "exams", path: "/exams", service: "catalog", auth: { jwt: { algorithm: "RS256", jwksUrl: "http://127.0.0.1:4444/jwks.json" } } }), none);
    expect(await fieldsOf(res)).toEqual([{ path: "auth.jwt.jwksUrl", message: "points at a loopback address 127.0.0.1; JWKS URLs may reach it only when BULWARK_OUTBOUND_ALLOW lists it" }]);
    expect(await (await routes.GET(req("GET"), none)).json()).toEqual([]);
  });

  it("refuses an SLO webhook at 127.0.0.1 without the allow-list, and saves nothing", async () => {
    const slo = { name: "exams", target: { kind: "service", name: "catalog" }, indicator: { type: "availability" }, objectivePercent: 99.9, webhookUrl: "http://127.0.0.1:5555/hooks/slo" };
    expect(await fieldsOf(await slos.POST(req("POST", slo), none))).toEqual([
      { path: "webhookUrl", message: "points at a loopback address 127.0.0.1; webhooks may reach it only when BULWARK_OUTBOUND_ALLOW lists it" },
    ]);
    expect(await (await slos.GET(req("GET"), none)).json()).toEqual([]);
  });

  it("refuses to publish a draft saved before the rule that points a target at metadata, with the full field path", async () => {
    const { getDb } = await import("@/server/db");
    // Written past the schema, as a draft stored by an older version would be.
    await getDb().service.create({ data: { name: "legacy", spec: { name: "legacy", targets: [{ address: "127.0.0.1:4002" }, { address: "169.254.169.254:80" }] } } });
    const res = await publish.POST(req("POST", { message: "with legacy" }), none);
    const fields = await fieldsOf(res);
    expect(fields).toContainEqual({ path: expect.stringMatching(/^services\.\d+\.targets\.1\.address$/), message: "points at cloud metadata 169.254.169.254" });
    expect(await getDb().configVersion.count()).toBe(0);
  });
});
