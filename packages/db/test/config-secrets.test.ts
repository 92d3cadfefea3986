import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayConfig } from "@bulwark/config/schema";
import { createDb, type Db } from "../src/client";
import { listAudit, SYSTEM_ACTOR } from "../src/audit-store";
import { getDraftConfig, getLatestVersion, getVersion, publishDraft, replaceDraft, updateRoute } from "../src/config-store";
import { ValidationError } from "../src/errors";
import { createTestDatabase, type TestDatabase } from "./test-database";

const ALPHA = "alpha-secret-that-is-long-enough-for-hs256";
const BETA = "beta-secret-that-is-long-enough-for-hs256!";
const audit = { actor: SYSTEM_ACTOR, ip: null };
const route = (name: string, secret: unknown) => ({ name, path: `/${name}`, service: "svc", auth: { jwt: { algorithm: "HS256", secret } } });

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  await replaceDraft(db, { services: [{ name: "svc", targets: [{ address: "127.0.0.1:4001" }] }], routes: [route("alpha", ALPHA), route("beta", BETA)] }, audit);
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.close();
});

describe("a config exported and imported again (GitOps)", () => {
  it("exports no secret, and imported back in another order keeps each route's own secret in what the workers load", async () => {
    const exported = await getDraftConfig(db);
    expect(JSON.stringify(exported)).not.toContain(ALPHA);
    expect(JSON.stringify(exported)).not.toContain(BETA);
    const answer = await replaceDraft(db, { ...exported, routes: [...exported.routes].reverse() }, audit);
    expect(JSON.stringify(answer)).not.toContain(ALPHA);
    const { version } = await publishDraft(db, { author: "test" });
    const loaded = (await getLatestVersion(db))!.config as GatewayConfig;
    expect(Object.fromEntries(loaded.routes.map((r) => [r.name, r.auth?.jwt?.secret]))).toEqual({ alpha: ALPHA, beta: BETA });
    expect(JSON.stringify((await getVersion(db, version)).config)).not.toContain(ALPHA);
  });

  it("refuses an import with a redacted secret for a route that has none stored, naming the field, and saves nothing", async () => {
    const exported = await getDraftConfig(db);
    const incoming = { ...exported, routes: [...exported.routes, route("gamma", { set: true })] };
    const error = await replaceDraft(db, incoming, audit).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields).toEqual([{ path: "routes.2.auth.jwt.secret", message: expect.stringContaining("none is stored here") }]);
    expect((await getDraftConfig(db)).routes.map((r) => r.name)).toEqual(["alpha", "beta"]);
  });

  it("keeps a route's secret through an update that renames it, and never writes it to the audit log", async () => {
    const exported = await getDraftConfig(db);
    const alpha = exported.routes.find((r) => r.name === "alpha")!;
    const saved = await updateRoute(db, "alpha", { ...alpha, name: "alpha-v2", path: "/alpha-v2" }, audit);
    expect(JSON.stringify(saved)).not.toContain(ALPHA);
    const stored = await db.route.findUnique({ where: { name: "alpha-v2" } });
    expect((stored!.spec as { auth: { jwt: { secret: string } } }).auth.jwt.secret).toBe(ALPHA);
    await updateRoute(db, "alpha-v2", route("alpha-v2", "rotated-secret-that-is-long-enough-for-hs256"), audit);
    expect(JSON.stringify(await listAudit(db))).not.toMatch(/alpha-secret|beta-secret|rotated-secret/);
  });
});
