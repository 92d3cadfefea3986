import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR, type AuditContext } from "../src/audit-store";
import { createDb, type Db } from "../src/client";
import { createToken, listTokens, validateToken } from "../src/token-store";
import { createUser, deleteUser, updateUser } from "../src/user-store";
import { createTestDatabase, type TestDatabase } from "./test-database";

/** A token is worth at most its creator's current role, and ends when the creator is disabled or deleted. */
let database: TestDatabase;
let db: Db;
const system: AuditContext = { actor: SYSTEM_ACTOR, ip: null };
const as = (user: { id: string; email: string }): AuditContext => ({ actor: { type: "user", id: user.id, name: user.email }, ip: "10.0.0.2" });
let n = 0;
async function user(role: "admin" | "operator" | "viewer") {
  const { user } = await createUser(db, { email: `u${++n}-${role}@test`, name: "U", role, password: "a long enough password" }, system);
  return user;
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  await user("admin"); // so the users under test are never the last admin
}, 60_000);
afterAll(async () => {
  await db?.$disconnect();
  await database?.close();
});

describe("API tokens are bound to their creator", () => {
  it("act with at most the creator's current role: demoting the creator demotes the token", async () => {
    const alice = await user("admin");
    const made = await createToken(db, { name: "deploy", role: "admin", expiresInDays: 7 }, as(alice));
    expect(made).toMatchObject({ createdByKind: "user", createdById: alice.id, createdBy: alice.email });
    expect((await validateToken(db, made.token))?.role).toBe("admin");
    await updateUser(db, alice.id, { role: "viewer" }, system);
    expect((await validateToken(db, made.token))?.role).toBe("viewer");
    await updateUser(db, alice.id, { role: "operator" }, system);
    expect((await validateToken(db, made.token))?.role).toBe("operator");
  });

  it("cannot be made with a role above the maker's", async () => {
    const bob = await user("operator");
    await expect(createToken(db, { name: "escalate", role: "admin", expiresInDays: 7 }, as(bob))).rejects.toMatchObject({ fields: [{ path: "role" }] });
    expect((await listTokens(db)).some((t) => t.name === "escalate")).toBe(false);
  });

  it("made by a token act for that token's user, and end with them", async () => {
    const carol = await user("admin");
    const parent = await createToken(db, { name: "parent", role: "admin", expiresInDays: 7 }, as(carol));
    const child = await createToken(db, { name: "child", role: "admin", expiresInDays: 7 }, { actor: { type: "token", id: parent.id, name: parent.name }, ip: null });
    expect(child).toMatchObject({ createdByKind: "user", createdById: carol.id });
    await updateUser(db, carol.id, { disabled: true }, system);
    expect(await validateToken(db, parent.token)).toBeNull();
    expect(await validateToken(db, child.token)).toBeNull();
  });

  it("are revoked when the creator is disabled, and stay revoked when the creator is enabled again", async () => {
    const dave = await user("operator");
    const made = await createToken(db, { name: "ci", role: "operator", expiresInDays: 7 }, as(dave));
    await updateUser(db, dave.id, { disabled: true }, system);
    expect(await validateToken(db, made.token)).toBeNull();
    expect((await listTokens(db)).find((t) => t.id === made.id)?.revokedAt).not.toBeNull();
    await updateUser(db, dave.id, { disabled: false }, system);
    expect(await validateToken(db, made.token)).toBeNull();
  });

  it("are revoked when the creator is deleted, and never fall back to acting for nobody", async () => {
    const erin = await user("admin");
    const made = await createToken(db, { name: "gitops", role: "admin", expiresInDays: 7 }, as(erin));
    await deleteUser(db, erin.id, system);
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: made.id } });
    expect(row).toMatchObject({ createdById: null, createdByKind: "user" });
    expect(row.revokedAt).not.toBeNull();
    expect(await validateToken(db, made.token)).toBeNull();
    // Even if the revocation were lost, a user token without its user does not validate.
    await db.apiToken.update({ where: { id: made.id }, data: { revokedAt: null } });
    expect(await validateToken(db, made.token)).toBeNull();
  });

  it("made from the machine are system tokens, listed as such", async () => {
    const made = await createToken(db, { name: "bootstrap", role: "admin", expiresInDays: 1 }, system);
    expect(made).toMatchObject({ createdByKind: "system", createdById: null });
    expect((await validateToken(db, made.token))?.role).toBe("admin");
  });
});
