import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAudit, SYSTEM_ACTOR } from "../src/audit-store";
import { signIn } from "../src/auth-store";
import { createDb, type Db } from "../src/client";
import { withHashSlot } from "../src/password";
import { afterFailure, refusal, SIGN_IN_POLICY } from "../src/sign-in-throttle";
import { createUser } from "../src/user-store";
import { createTestDatabase, type TestDatabase } from "./test-database";

let database: TestDatabase;
let db: Db;
const at = (t0: Date, ms: number) => new Date(t0.getTime() + ms);
const outcome = (email: string, password: string, ip: string, now: Date) =>
  signIn(db, { email, password, ip, now }).then(
    () => "ok",
    (e: { code?: string }) => e.code ?? `UNEXPECTED:${String(e)}`,
  );
const PASSWORD = "the owner's long password";

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
}, 60_000);
afterAll(async () => {
  await db?.$disconnect();
  await database?.close();
});

describe("sign-in throttling (policy, pure)", () => {
  it("slows a pair after 2 failures and locks it at 5; an address locks at 30; an account only slows", () => {
    const t0 = new Date(0);
    let pair = null,
      ip = null,
      account = null;
    for (let i = 1; i <= 30; i++) {
      pair = afterFailure("pair", pair, t0);
      ip = afterFailure("ip", ip, t0);
      account = afterFailure("account", account, t0);
      if (i === 2) expect(refusal(pair, t0)).toBeNull();
      if (i === 3) expect(refusal(pair, t0)).toEqual({ code: "SIGN_IN_THROTTLED", until: at(t0, 5_000) });
      if (i === 5) expect(refusal(pair, t0)?.code).toBe("SIGN_IN_LOCKED");
      if (i === 29) expect(refusal(ip, t0)).toBeNull();
      if (i === 20) expect(refusal(account, t0)).toBeNull();
      if (i === 21) expect(refusal(account, t0)).toEqual({ code: "SIGN_IN_THROTTLED", until: at(t0, SIGN_IN_POLICY.account.spacingMs) });
    }
    expect(refusal(ip, t0)?.code).toBe("SIGN_IN_LOCKED");
    expect(account!.lockedUntil).toBeNull(); // never a lockout of the account itself
    expect(refusal(account, at(t0, SIGN_IN_POLICY.account.spacingMs))).toBeNull();
    // Failures older than the window are forgotten.
    expect(afterFailure("pair", pair, at(t0, SIGN_IN_POLICY.windowMs)).failures).toBe(1);
  });
});

describe("sign-in throttling (real PostgreSQL)", () => {
  it("counts 40 parallel wrong guesses atomically: 3 are checked, none is a 500, and one aggregated audit entry says the rest", async () => {
    await createUser(db, { email: "burst@test", name: "B", role: "viewer", password: PASSWORD }, { actor: SYSTEM_ACTOR, ip: null });
    const t0 = new Date();
    const seen = await Promise.all(Array.from({ length: 40 }, (_, i) => outcome("burst@test", `guess-${i}-wrong`, "203.0.113.7", t0)));
    const counts = seen.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c]: (acc[c] ?? 0) + 1 }), {});
    expect(
      Object.keys(counts).every((c) => ["INVALID_CREDENTIALS", "SIGN_IN_THROTTLED", "SIGN_IN_LOCKED", "SIGN_IN_BUSY"].includes(c)),
      JSON.stringify(counts),
    ).toBe(true);
    expect(counts.INVALID_CREDENTIALS).toBe(SIGN_IN_POLICY.pair.freeFailures + 1);
    expect(await listAudit(db, { action: "auth.sign-in.failure", target: "burst@test" })).toHaveLength(3);
    expect((await listAudit(db, { action: "auth.sign-in.throttled", target: "burst@test" })).length).toBe(1);
    // The right password from that address still waits, but from elsewhere the owner gets in at once.
    expect(await outcome("burst@test", PASSWORD, "203.0.113.7", at(t0, 1_000))).toBe("SIGN_IN_THROTTLED");
    expect(await outcome("burst@test", PASSWORD, "198.51.100.20", at(t0, 1_000))).toBe("ok");
  });

  it("cannot be turned into a lockout of the owner: an attacker's locked pair leaves the owner's address open", async () => {
    await createUser(db, { email: "first-admin@test", name: "A", role: "admin", password: PASSWORD }, { actor: SYSTEM_ACTOR, ip: null });
    const t0 = new Date();
    const attacker = [0, 1_000, 2_000, 7_000, 17_000, 18_000].map((ms) => at(t0, ms));
    const seen = [];
    for (const now of attacker) seen.push(await outcome("first-admin@test", "wrong guess", "192.0.2.66", now));
    expect(seen.at(-1)).toBe("SIGN_IN_LOCKED");
    expect(await outcome("first-admin@test", PASSWORD, "192.0.2.66", at(t0, 19_000))).toBe("SIGN_IN_LOCKED");
    expect(await outcome("first-admin@test", PASSWORD, "10.1.2.3", at(t0, 19_000))).toBe("ok");
  });

  it("locks an address that sprays many accounts, for every account, but not other addresses", async () => {
    const t0 = new Date();
    const seen = [];
    for (let i = 0; i < SIGN_IN_POLICY.ip.lockAfter; i++) seen.push(await outcome(`spray-${i}@test`, "Winter2026!", "192.0.2.99", at(t0, i)));
    expect(seen.every((s) => s === "INVALID_CREDENTIALS")).toBe(true);
    expect(await outcome("spray-new@test", "Winter2026!", "192.0.2.99", at(t0, 100))).toBe("SIGN_IN_LOCKED");
    expect(await outcome("spray-new@test", "Winter2026!", "192.0.2.100", at(t0, 100))).toBe("INVALID_CREDENTIALS");
  });

  it("slows a guesser spread over many addresses to one try per account every 2 s, and the owner still gets in", async () => {
    await createUser(db, { email: "spread@test", name: "S", role: "viewer", password: PASSWORD }, { actor: SYSTEM_ACTOR, ip: null });
    const t0 = new Date();
    for (let i = 0; i < SIGN_IN_POLICY.account.slowAfter + 1; i++) expect(await outcome("spread@test", "wrong", `100.64.0.${i + 1}`, at(t0, i))).toBe("INVALID_CREDENTIALS");
    expect(await outcome("spread@test", "wrong", "100.64.1.1", at(t0, 100))).toBe("SIGN_IN_THROTTLED");
    expect(await outcome("spread@test", PASSWORD, "100.64.1.2", at(t0, 100 + SIGN_IN_POLICY.account.spacingMs))).toBe("ok");
  });

  it("refused attempts write one audit entry per key per window, however many there are", async () => {
    const t0 = new Date();
    for (let i = 0; i < 5; i++) await outcome("flood@test", "wrong", "192.0.2.150", at(t0, i * 60_000)); // locks the pair
    const before = (await listAudit(db, { action: "auth.sign-in.", target: "flood@test", limit: 1000 })).length;
    for (let i = 0; i < 200; i++) expect(await outcome("flood@test", "wrong", "192.0.2.150", at(t0, 300_000 + i))).toBe("SIGN_IN_LOCKED");
    const after = await listAudit(db, { action: "auth.sign-in.", target: "flood@test", limit: 1000 });
    expect(after.length - before).toBe(1);
    expect(after[0].action).toBe("auth.sign-in.throttled");
  });
});

describe("password hash slots", () => {
  it("run at most `concurrency` hashes, queue a few, and turn the rest away at once with SIGN_IN_BUSY", async () => {
    let running = 0,
      peak = 0;
    const work = () =>
      withHashSlot(
        async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 20));
          running--;
          return "done";
        },
        { concurrency: 2, queue: 3, retryAfterSeconds: 1 },
      );
    const results = await Promise.all(Array.from({ length: 10 }, () => work().catch((e: { code: string; retryAfterSeconds: number }) => `${e.code}:${e.retryAfterSeconds}`)));
    expect(results.filter((r) => r === "done")).toHaveLength(5);
    expect(results.filter((r) => r === "SIGN_IN_BUSY:1")).toHaveLength(5);
    expect(peak).toBe(2);
    expect(await work()).toBe("done"); // slots are all given back
  });
});
