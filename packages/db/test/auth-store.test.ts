import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../src/client";
import { listAudit, type AuditContext } from "../src/audit-store";
import { ensureFirstAdmin, SESSION_POLICY, signIn, signOut, SIGN_IN_POLICY, validateSession } from "../src/auth-store";
import { createService, updateService } from "../src/config-store";
import { hashPassword, verifyPassword } from "../src/password";
import { createToken, revokeToken, validateToken } from "../src/token-store";
import { createUser, deleteUser, resetPassword, updateUser } from "../src/user-store";
import { createTestDatabase, type TestDatabase } from "./test-database";

let database: TestDatabase;
let db: Db;
let admin: { email: string; password: string };
const audit: AuditContext = { actor: { type: "user", id: null, name: "root@test" }, ip: "10.0.0.1" };
const at = (t0: Date, ms: number) => new Date(t0.getTime() + ms);

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  admin = (await ensureFirstAdmin(db))!;
  // Tokens act for the user who makes them: this suite's actor is the first admin.
  audit.actor.id = (await db.user.findUniqueOrThrow({ where: { email: admin.email } })).id;
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.close();
});

describe("passwords", () => {
  it("are hashed with scrypt at OWASP's parameters, salted, and verified only by the right password", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^scrypt\$ln=17,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await hashPassword("correct horse battery")).not.toBe(hash);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterx", hash)).toBe(false);
  });
});

describe("first admin", () => {
  it("is made once, with a random password, and never again", async () => {
    expect(admin.email).toBe("admin@bulwark.local");
    expect(admin.password.length).toBeGreaterThanOrEqual(20);
    expect(await ensureFirstAdmin(db)).toBeNull();
    const user = await db.user.findUniqueOrThrow({ where: { email: admin.email } });
    expect(user.role).toBe("admin");
    expect(user.passwordHash).not.toContain(admin.password);
  });
});

describe("sessions", () => {
  it("start fresh at every sign-in, revoke the previous one, and are kept only as a hash", async () => {
    const t0 = new Date();
    const first = await signIn(db, { email: admin.email, password: admin.password, ip: "127.0.0.1", now: t0 });
    expect(first.token).toMatch(/^[\w-]{43}$/);
    expect(await db.session.count({ where: { tokenHash: first.token } })).toBe(0);
    const second = await signIn(db, { email: " Admin@Bulwark.local ", password: admin.password, ip: "127.0.0.1", previousToken: first.token, now: t0 });
    expect(second.token).not.toBe(first.token);
    expect(await validateSession(db, first.token, t0)).toBeNull();
    expect(await validateSession(db, second.token, t0)).toMatchObject({ user: { email: admin.email, role: "admin" } });
  });

  it("expire after the idle timeout, and are kept alive by use", async () => {
    const t0 = new Date();
    const { token } = await signIn(db, { email: admin.email, password: admin.password, ip: null, now: t0 });
    expect(await validateSession(db, token, at(t0, SESSION_POLICY.idleMs - 1_000))).not.toBeNull();
    // That use moved the idle clock: the old deadline has passed and the session still holds.
    expect(await validateSession(db, token, at(t0, SESSION_POLICY.idleMs + 60_000))).not.toBeNull();
    expect(await validateSession(db, token, at(t0, 2 * SESSION_POLICY.idleMs + 60_000))).toBeNull();
  });

  it("expire at the absolute limit however busy they are", async () => {
    const t0 = new Date();
    const { token } = await signIn(db, { email: admin.email, password: admin.password, ip: null, now: t0 });
    let t = t0;
    while (t.getTime() < t0.getTime() + SESSION_POLICY.absoluteMs - SESSION_POLICY.idleMs) {
      t = at(t, SESSION_POLICY.idleMs - 60_000);
      expect(await validateSession(db, token, t)).not.toBeNull();
    }
    expect(await validateSession(db, token, at(t0, SESSION_POLICY.absoluteMs))).toBeNull();
  });

  it("are revoked on the server at sign-out, and both are audited", async () => {
    const { token, user } = await signIn(db, { email: admin.email, password: admin.password, ip: "192.0.2.7" });
    expect(await validateSession(db, token)).not.toBeNull();
    await signOut(db, token, "192.0.2.7");
    expect(await validateSession(db, token)).toBeNull();
    const [out, inn] = await listAudit(db, { actor: admin.email, limit: 2 });
    expect(out).toMatchObject({ action: "auth.sign-out", actor: { type: "user", id: user.id }, ip: "192.0.2.7" });
    expect(inn).toMatchObject({ action: "auth.sign-in", ip: "192.0.2.7" });
  });

  it("end when the user is disabled or given a new password", async () => {
    const { user, password } = await createUser(db, { email: "ops@test", role: "operator" }, audit);
    const { token } = await signIn(db, { email: "ops@test", password: password!, ip: null });
    await updateUser(db, user.id, { password: "a brand new long password" }, audit);
    expect(await validateSession(db, token)).toBeNull();
    const again = await signIn(db, { email: "ops@test", password: "a brand new long password", ip: null });
    await updateUser(db, user.id, { disabled: true }, audit);
    expect(await validateSession(db, again.token)).toBeNull();
    await expect(signIn(db, { email: "ops@test", password: "a brand new long password", ip: null })).rejects.toMatchObject({ code: "INVALID_CREDENTIALS" });
  });
});

describe("failed sign-ins", () => {
  async function attempt(email: string, password: string, now: Date) {
    return signIn(db, { email, password, ip: "198.51.100.9", now }).then(
      () => "ok",
      (e: { code: string; retryAfterSeconds?: number }) => `${e.code}${e.retryAfterSeconds ? `:${e.retryAfterSeconds}` : ""}`,
    );
  }

  it("are slowed, then lock the account for a while, even for the right password; an unknown email answers the same", async () => {
    await createUser(db, { email: "victim@test", role: "viewer", password: "the right password" }, audit);
    const t0 = new Date();
    for (const email of ["victim@test", "nobody@test"]) {
      const seen = [
        await attempt(email, "wrong", t0),
        await attempt(email, "wrong", at(t0, 1_000)),
        await attempt(email, "wrong", at(t0, 2_000)), // third failure: the next attempt waits 5 s
        await attempt(email, "the right password", at(t0, 3_000)),
        await attempt(email, "wrong", at(t0, 7_000)), // fourth: 10 s
        await attempt(email, "wrong", at(t0, 17_000)), // fifth: locked
        await attempt(email, "the right password", at(t0, 18_000)),
      ];
      expect(seen).toEqual([
        "INVALID_CREDENTIALS",
        "INVALID_CREDENTIALS",
        "INVALID_CREDENTIALS",
        "SIGN_IN_THROTTLED:4",
        "INVALID_CREDENTIALS",
        "INVALID_CREDENTIALS",
        `SIGN_IN_LOCKED:${SIGN_IN_POLICY.pair.lockMs / 1000 - 1}`,
      ]);
    }
    // After the lock, the right password works and clears the count.
    expect(await attempt("victim@test", "the right password", at(t0, 17_000 + SIGN_IN_POLICY.pair.lockMs))).toBe("ok");
    expect(await db.signInAttempt.findUnique({ where: { key: "pair:victim@test|198.51.100.9" } })).toBeNull();
    const failures = await listAudit(db, { action: "auth.sign-in.failure", target: "nobody@test" });
    expect(failures).toHaveLength(5); // every checked attempt
    // Refused attempts: one aggregated entry for the key in this window, not one per attempt.
    expect(await listAudit(db, { action: "auth.sign-in.throttled", target: "nobody@test" })).toHaveLength(1);
    expect(failures.every((f) => f.ip === "198.51.100.9" && f.actor.type === "anonymous")).toBe(true);
  });
});

describe("API tokens", () => {
  it("are shown once, stored hashed, and stop working when revoked or expired", async () => {
    const t0 = new Date();
    const created = await createToken(db, { name: "gitops", role: "operator", expiresInDays: 7 }, audit, t0);
    expect(created.token).toMatch(/^bwt_[\w-]{43}$/);
    expect(JSON.stringify(await db.apiToken.findMany())).not.toContain(created.token);
    expect(await validateToken(db, created.token, at(t0, 1_000))).toEqual({ id: created.id, name: "gitops", role: "operator" });
    expect(await validateToken(db, created.token, at(t0, 7 * 24 * 3600_000))).toBeNull();
    expect(await validateToken(db, `${created.token}x`, t0)).toBeNull();
    await revokeToken(db, created.id, audit);
    expect(await validateToken(db, created.token, at(t0, 1_000))).toBeNull();
    expect((await listAudit(db, { action: "token.", limit: 2 })).map((e) => e.action)).toEqual(["token.revoke", "token.create"]);
  });

  it("must expire within a year", async () => {
    await expect(createToken(db, { name: "forever", role: "admin", expiresInDays: 10_000 }, audit)).rejects.toMatchObject({ fields: [{ path: "expiresInDays" }] });
  });
});

describe("users", () => {
  it("keep at least one active admin", async () => {
    const root = await db.user.findUniqueOrThrow({ where: { email: admin.email } });
    await expect(updateUser(db, root.id, { role: "viewer" }, audit)).rejects.toMatchObject({ code: "LAST_ADMIN" });
    await expect(deleteUser(db, root.id, audit)).rejects.toMatchObject({ code: "LAST_ADMIN" });
  });
});

describe("audit entries", () => {
  it("are written in the change's transaction: a refused change leaves neither", async () => {
    const before = await db.auditEntry.count();
    await createService(db, { name: "catalog", targets: [{ address: "127.0.0.1:4001" }] }, audit);
    await expect(createService(db, { name: "catalog", targets: [{ address: "127.0.0.1:4001" }] }, audit)).rejects.toThrow();
    await updateService(db, "catalog", { name: "catalog", targets: [{ address: "127.0.0.1:4002" }] }, audit);
    const entries = await listAudit(db, { target: "catalog" });
    expect(await db.auditEntry.count()).toBe(before + 2);
    expect(entries[0]).toMatchObject({
      action: "service.update",
      actor: { name: "root@test" },
      ip: "10.0.0.1",
      diff: [{ path: "targets.0.address", before: "127.0.0.1:4001", after: "127.0.0.1:4002" }],
    });
    expect(entries[1]).toMatchObject({ action: "service.create", diff: [{ path: "", before: null, after: expect.objectContaining({ name: "catalog" }) }] });
  });
});

describe("password reset from the machine", () => {
  it("gives the account a new random password, makes it an active admin again, ends its sessions and audits it", async () => {
    const { user } = await createUser(db, { email: "lost@test", name: "Lost", role: "viewer", password: "a password long enough" }, audit);
    const before = await signIn(db, { email: "lost@test", password: "a password long enough", ip: null });
    await updateUser(db, user.id, { disabled: true }, audit);
    const password = await resetPassword(db, "Lost@Test", { actor: { type: "system", id: null, name: "bulwark" }, ip: null });
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(await validateSession(db, before.token)).toBeNull();
    const after = await signIn(db, { email: "lost@test", password, ip: null });
    expect((await validateSession(db, after.token))?.user.role).toBe("admin");
    const [entry] = await listAudit(db, { action: "user.reset-password" });
    expect(entry).toMatchObject({ actor: { type: "system", name: "bulwark" }, target: "lost@test" });
    await expect(resetPassword(db, "nobody@test", audit)).rejects.toThrow(/no user/);
  });
});
