import type { Prisma } from "./generated/prisma/client";

type Tx = Prisma.TransactionClient;

/**
 * Failed sign-in policy (OWASP Authentication Cheat Sheet), kept per three keys:
 * - per (account, client address): slowed after 2 failures, locked after 5 for 15 minutes: one client guessing
 *   one account gets 5 guesses per quarter hour;
 * - per client address: locked after 30 failures in the window: one client spraying many accounts;
 * - per account, from anywhere: after 20 failures in the window each further attempt must wait 2 s. This slows
 *   a distributed guesser to 450 guesses an hour but never locks the owner out: from another address the owner
 *   is at most a couple of seconds from a try.
 * An attempt is counted (as a failure) before its password is checked, under a row lock on every key, so parallel
 * guesses cannot all slip past the check; a right password then clears its account's and pair's counters.
 */
export const SIGN_IN_POLICY = {
  windowMs: 15 * 60_000,
  pair: { freeFailures: 2, delayBaseMs: 5_000, lockAfter: 5, lockMs: 15 * 60_000 },
  ip: { lockAfter: 30, lockMs: 15 * 60_000 },
  account: { slowAfter: 20, spacingMs: 2_000 },
} as const;

export type ThrottleKind = "pair" | "ip" | "account";

export interface ThrottleState {
  failures: number;
  lastFailureAt: Date | null;
  nextAttemptAt: Date | null;
  lockedUntil: Date | null;
}

export interface Refusal {
  code: "SIGN_IN_LOCKED" | "SIGN_IN_THROTTLED";
  until: Date;
}

const throttleKeys = (email: string, ip: string | null): { kind: ThrottleKind; key: string }[] => [
  { kind: "pair", key: `pair:${email}|${ip ?? "-"}` },
  ...(ip ? [{ kind: "ip" as const, key: `ip:${ip}` }] : []),
  { kind: "account", key: `account:${email}` },
];

/** Whether a key's state refuses an attempt now. Pure. */
export function refusal(state: ThrottleState | null, now: Date): Refusal | null {
  if (!state) return null;
  if (state.lockedUntil && state.lockedUntil > now) return { code: "SIGN_IN_LOCKED", until: state.lockedUntil };
  if (state.nextAttemptAt && state.nextAttemptAt > now) return { code: "SIGN_IN_THROTTLED", until: state.nextAttemptAt };
  return null;
}

/** A key's state once one more attempt has been counted as a failure. Pure. */
export function afterFailure(kind: ThrottleKind, state: ThrottleState | null, now: Date, policy = SIGN_IN_POLICY): ThrottleState {
  const recent = state?.lastFailureAt && now.getTime() - state.lastFailureAt.getTime() < policy.windowMs;
  const failures = (recent ? state!.failures : 0) + 1;
  const at = (ms: number) => new Date(now.getTime() + ms);
  if (kind === "pair") {
    const p = policy.pair;
    const delay = failures > p.freeFailures ? p.delayBaseMs * 2 ** (failures - p.freeFailures - 1) : 0;
    return { failures, lastFailureAt: now, nextAttemptAt: delay ? at(delay) : null, lockedUntil: failures >= p.lockAfter ? at(p.lockMs) : null };
  }
  if (kind === "ip") return { failures, lastFailureAt: now, nextAttemptAt: null, lockedUntil: failures >= policy.ip.lockAfter ? at(policy.ip.lockMs) : null };
  return { failures, lastFailureAt: now, nextAttemptAt: failures > policy.account.slowAfter ? at(policy.account.spacingMs) : null, lockedUntil: null };
}

export type Reservation = { ok: true } | { ok: false; refusal: Refusal; key: string; auditRefused: number | null };

/**
 * Counts an attempt on every key, atomically: rows are made if missing, then locked in key order (no deadlock
 * between parallel attempts), checked, and either all counted or the attempt is refused. A refused attempt
 * bumps the refusing key's `refused` count; `auditRefused` is that count when one aggregated audit entry is
 * due (at most once per key per window), null otherwise.
 */
export async function reserveAttempt(tx: Tx, email: string, ip: string | null, now: Date): Promise<Reservation> {
  const keys = throttleKeys(email, ip).sort((a, b) => (a.key < b.key ? -1 : 1));
  for (const { key } of keys) await tx.$executeRaw`INSERT INTO "sign_in_attempts" ("key") VALUES (${key}) ON CONFLICT DO NOTHING`;
  const rows = new Map<string, ThrottleState & { refused: number; refusedAuditedAt: Date | null }>();
  for (const { key } of keys) {
    const [row] = await tx.$queryRaw<{ failures: number; lastFailureAt: Date | null; nextAttemptAt: Date | null; lockedUntil: Date | null; refused: number; refusedAuditedAt: Date | null }[]>`
      SELECT failures, last_failure_at AS "lastFailureAt", next_attempt_at AS "nextAttemptAt", locked_until AS "lockedUntil", refused, refused_audited_at AS "refusedAuditedAt"
      FROM "sign_in_attempts" WHERE "key" = ${key} FOR UPDATE`;
    rows.set(key, row);
  }
  for (const { key } of keys) {
    const row = rows.get(key)!;
    const refused = refusal(row, now);
    if (!refused) continue;
    const due = !row.refusedAuditedAt || now.getTime() - row.refusedAuditedAt.getTime() >= SIGN_IN_POLICY.windowMs;
    await tx.signInAttempt.update({ where: { key }, data: due ? { refused: 0, refusedAuditedAt: now } : { refused: { increment: 1 } } });
    return { ok: false, refusal: refused, key, auditRefused: due ? row.refused + 1 : null };
  }
  for (const { kind, key } of keys) await tx.signInAttempt.update({ where: { key }, data: afterFailure(kind, rows.get(key)!, now) });
  return { ok: true };
}

/**
 * After a right password: the account's and this pair's counters are forgotten, and the attempt reserved on the
 * address is taken back (its earlier failures stay: other accounts may be under attack from it).
 */
export async function clearAfterSuccess(tx: Tx, email: string, ip: string | null): Promise<void> {
  const keys = throttleKeys(email, ip)
    .filter((k) => k.kind !== "ip")
    .map((k) => k.key);
  await tx.signInAttempt.deleteMany({ where: { key: { in: keys } } });
  if (ip) await tx.$executeRaw`UPDATE "sign_in_attempts" SET failures = GREATEST(failures - 1, 0) WHERE "key" = ${`ip:${ip}`}`;
}

/** When an admin sets a new password: every counter naming the account. */
export async function clearAccount(tx: Tx, email: string): Promise<void> {
  await tx.signInAttempt.deleteMany({ where: { OR: [{ key: `account:${email}` }, { key: { startsWith: `pair:${email}|` } }] } });
}
