import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { hashApiKey } from "@bulwark/db/consumers";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

const ALICE_KEY = "bwk_alice-key-0123456789abcdef";
const BOB_KEY = "bwk_bob-key-0123456789abcdef";

let database: TestDatabase;
let db: Db;
let gateway: Gateway;
let profiles: Upstream;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  // A student-records service: every answer is about whoever asks, as the upstream tells callers apart.
  profiles = await startUpstream("profiles", (req, res) => {
    const who = req.headers["x-consumer-name"] ?? req.headers.authorization ?? req.headers.cookie ?? "anonymous";
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (req.url?.startsWith("/private")) headers["cache-control"] = "private, max-age=60";
    if (req.url?.startsWith("/login")) headers["set-cookie"] = `session=${String(who)}; HttpOnly`;
    res.writeHead(200, headers);
    res.end(JSON.stringify({ profileOf: who, url: req.url }));
    return true;
  });
  const created = new Date().toISOString();
  const fallback = { status: 503, body: '{"degraded":true}', lastGood: true };
  await replaceDraft(db, {
    services: [{ name: "profiles", targets: [{ address: profiles.address }] }],
    consumers: [
      { name: "alice", apiKeys: [{ id: "alicekey1", sha256: hashApiKey(ALICE_KEY), createdAt: created }] },
      { name: "bob", apiKeys: [{ id: "bobkey111", sha256: hashApiKey(BOB_KEY), createdAt: created }] },
    ],
    routes: [
      { name: "keyed", path: "/keyed", service: "profiles", stripPrefix: true, auth: { apiKey: {} }, retries: { attempts: 0 }, fallback },
      { name: "open", path: "/open", service: "profiles", stripPrefix: true, retries: { attempts: 0 }, fallback },
    ],
  });
  const { version } = await publishDraft(db, { author: "test" });
  // One worker: kept answers are per worker, and one makes "kept" certain.
  gateway = await startGateway({ databaseUrl: database.url, workers: 1 });
  await gateway.waitForVersion(version, 1);
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await profiles?.close();
  await db?.$disconnect();
  await database?.close();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gateway.url}${path}`, { headers });
  return { status: res.status, fallback: res.headers.get("x-bulwark-fallback"), setCookie: res.headers.get("set-cookie"), body: await res.text() };
}

describe("last-good answers during an outage", () => {
  it("serves each caller only the answer kept for that caller, and nobody an answer that was private or set a cookie", async () => {
    // While the service is up, each caller reads their own profile.
    const live = {
      alice: await get("/keyed/me", { "x-api-key": ALICE_KEY }),
      tokenAlice: await get("/open/me", { authorization: "Bearer alice-token" }),
      cookieAlice: await get("/open/me", { cookie: "session=alice" }),
      anonymous: await get("/open/me"),
    };
    expect(JSON.parse(live.alice.body)).toMatchObject({ profileOf: "alice" });
    expect(JSON.parse(live.tokenAlice.body)).toMatchObject({ profileOf: "Bearer alice-token" });
    expect(JSON.parse(live.cookieAlice.body)).toMatchObject({ profileOf: "session=alice" });
    expect((await get("/open/private/grades", { authorization: "Bearer alice-token" })).status).toBe(200);
    expect((await get("/open/login")).setCookie).toBe("session=anonymous; HttpOnly");

    await profiles.close(); // the outage: connections are refused

    const staticAnswer = { status: 503, fallback: "static", body: '{"degraded":true}' };
    // The same callers get their own kept copies...
    expect(await get("/keyed/me", { "x-api-key": ALICE_KEY })).toMatchObject({ status: 200, fallback: "last-good", body: live.alice.body });
    expect(await get("/open/me", { authorization: "Bearer alice-token" })).toMatchObject({ status: 200, fallback: "last-good", body: live.tokenAlice.body });
    expect(await get("/open/me", { cookie: "session=alice" })).toMatchObject({ status: 200, fallback: "last-good", body: live.cookieAlice.body });
    expect(await get("/open/me")).toMatchObject({ status: 200, fallback: "last-good", body: live.anonymous.body });
    // ...and nobody else gets theirs: another consumer, another token, another cookie, or both of alice's at once.
    expect(await get("/keyed/me", { "x-api-key": BOB_KEY })).toMatchObject(staticAnswer);
    expect(await get("/open/me", { authorization: "Bearer mallory-token" })).toMatchObject(staticAnswer);
    expect(await get("/open/me", { cookie: "session=mallory" })).toMatchObject(staticAnswer);
    expect(await get("/open/me", { authorization: "Bearer alice-token", cookie: "session=mallory" })).toMatchObject(staticAnswer);
    // Answers marked private or setting a cookie were never kept, not even for the caller they were for.
    expect(await get("/open/private/grades", { authorization: "Bearer alice-token" })).toMatchObject(staticAnswer);
    expect(await get("/open/login")).toMatchObject({ ...staticAnswer, setCookie: null });
  });
});
