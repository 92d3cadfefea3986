import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../src/client";
import { getVersion, publishDraft } from "../src/config-store";
import { createApiKey, createConsumer, deleteConsumer, getConsumer, hashApiKey, listConsumers, revokeApiKey, updateConsumer } from "../src/consumer-store";
import { createTestDatabase, type TestDatabase } from "./test-database";

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.close();
});

describe("consumers", () => {
  it("make an API key shown once and kept only as its hash, published with the config", async () => {
    await createConsumer(db, { name: "partner-a", description: "Acme proctoring" });
    const { id, key, consumer } = await createApiKey(db, "partner-a");
    expect(key).toMatch(/^bwk_[A-Za-z0-9_-]{43}$/);
    expect(consumer.apiKeys).toEqual([{ id, sha256: hashApiKey(key), createdAt: expect.any(String) }]);
    expect(JSON.stringify(await getConsumer(db, "partner-a"))).not.toContain(key);
    const { version } = await publishDraft(db, { author: "test" });
    const published = (await getVersion(db, version)).config as { consumers: { name: string; apiKeys: { sha256: string }[] }[] };
    expect(published.consumers[0].apiKeys[0].sha256).toBe(hashApiKey(key));
    expect(JSON.stringify(published)).not.toContain(key);
  });

  it("keep keys through an edit, revoke one, and refuse bad input with field paths", async () => {
    await updateConsumer(db, "partner-a", { name: "partner-a", description: "renamed" });
    const [{ apiKeys }] = await listConsumers(db);
    expect(apiKeys).toHaveLength(1);
    expect((await revokeApiKey(db, "partner-a", apiKeys[0].id)).apiKeys).toEqual([]);
    await expect(revokeApiKey(db, "partner-a", "nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(createConsumer(db, { name: "Bad Name" })).rejects.toMatchObject({ fields: [{ path: "name", message: expect.stringContaining("lowercase") }] });
    await expect(createConsumer(db, { name: "partner-a" })).rejects.toMatchObject({ fields: [{ path: "name", message: "a consumer named partner-a already exists" }] });
    await deleteConsumer(db, "partner-a");
    expect(await listConsumers(db)).toEqual([]);
  });
});
