import { createHash, randomBytes } from "node:crypto";
import { SignInSchema } from "@bulwark/config/console-access";
import { formatIssues } from "@bulwark/config/errors";
import { recordAudit, SYSTEM_ACTOR, type Actor } from "./audit-store";
import type { Db } from "./client";
import { TooManyRequestsError, UnauthorizedError, ValidationError } from "./errors";
import { DECOY_HASH, hashPassword, randomPassword, verifyPasswordNow, withHashSlot } from "./password";
import { clearAfterSuccess, reserveAttempt } from "./sign-in-throttle";
import type { Role } from "./roles";

/**
 * Session and sign-in policy. Idle and absolute limits follow OWASP's session management guidance for an
 * administrative console; the failed sign-in policy slows guessing at once and stops it soon, per email.
 */
export const SESSION_POLICY = {
  idleMs: 30 * 60_000,
  absoluteMs: 8 * 60 * 60_000,
  /** last_seen_at is written at most this often, so a dashboard polling every few seconds does not write each time. */
  touchMs: 60_000,
} as const;

export { SIGN_IN_POLICY } from "./sign-in-throttle";

export const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export interface SignInRequest {
  email: unknown;
  password: unknown;
  ip: string | null;
  userAgent?: string | null;
  /** The session cookie the browser still holds, if any: revoked, since sign-in always starts a fresh session. */
  previousToken?: string | null;
  now?: Date;
}

export interface SignedIn {
  /** The cookie value: 32 random bytes. Only its SHA-256 is stored. */
  token: string;
  sessionId: string;
  expiresAt: Date;
  user: SessionUser;
}

const toUser = (u: { id: string; email: string; name: string; role: string }): SessionUser => ({ id: u.id, email: u.email, name: u.name, role: u.role as Role });
const retryAfter = (until: Date, now: Date) => Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));

/**
 * Checks an email and password and opens a new session. The attempt is counted first, atomically, against the
 * (account, address), address and account throttles (sign-in-throttle.ts), then the password is checked in a
 * bounded hash slot. An unknown email is verified against a decoy hash, so answers and their timing do not tell
 * which accounts exist. Every checked attempt is audited; refused ones in one aggregated entry per key and window.
 */
export async function signIn(db: Db, request: SignInRequest): Promise<SignedIn> {
  const parsed = SignInSchema.safeParse({ email: request.email, password: request.password });
  if (!parsed.success) throw new ValidationError(formatIssues(parsed.error));
  const { email, password } = parsed.data;
  const now = request.now ?? new Date();
  const context = { ip: request.ip, actor: { type: "anonymous", id: null, name: email } satisfies Actor };

  // The hash slot first: a flood is turned away (429 SIGN_IN_BUSY) before it costs a counted attempt.
  return withHashSlot(async () => {
    const reserved = await db.$transaction((tx) => reserveAttempt(tx, email, request.ip, now));
    if (!reserved.ok) {
      const { refusal, key, auditRefused } = reserved;
      // Once throttled, one aggregated entry per key per window, not a row per attempt.
      if (auditRefused !== null) {
        await recordAudit(db, context, {
          action: "auth.sign-in.throttled",
          targetType: "user",
          target: email,
          diff: [{ path: "refused", before: null, after: { key: key.replace(/\|.*$/, ""), attempts: auditRefused, reason: refusal.code } }],
        });
      }
      throw refusal.code === "SIGN_IN_LOCKED"
        ? new TooManyRequestsError("SIGN_IN_LOCKED", "too many failed sign-ins: sign-in is locked for a while", retryAfter(refusal.until, now))
        : new TooManyRequestsError("SIGN_IN_THROTTLED", "too many failed sign-ins: wait before trying again", retryAfter(refusal.until, now));
    }
    const user = await db.user.findUnique({ where: { email } });
    const ok = await verifyPasswordNow(password, user?.passwordHash ?? DECOY_HASH);
    if (!ok || !user || user.disabledAt) {
      await recordAudit(db, context, { action: "auth.sign-in.failure", targetType: "user", target: email, diff: [{ path: "reason", before: null, after: "wrong email or password" }] });
      throw new UnauthorizedError("INVALID_CREDENTIALS", "the email or password is wrong");
    }
    return openSession(db, request, user, now);
  });
}

async function openSession(db: Db, request: SignInRequest, user: { id: string; email: string; name: string; role: string }, now: Date): Promise<SignedIn> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + SESSION_POLICY.absoluteMs);
  const session = await db.$transaction(async (tx) => {
    await clearAfterSuccess(tx, user.email, request.ip);
    if (request.previousToken) await tx.session.updateMany({ where: { tokenHash: sha256(request.previousToken), revokedAt: null }, data: { revokedAt: now } });
    const created = await tx.session.create({
      data: { tokenHash: sha256(token), userId: user.id, createdAt: now, lastSeenAt: now, expiresAt, ip: request.ip, userAgent: request.userAgent?.slice(0, 300) ?? null },
    });
    await recordAudit(
      tx,
      { ip: request.ip, actor: { type: "user", id: user.id, name: user.email } },
      { action: "auth.sign-in", targetType: "session", target: user.email, after: { session: created.id } },
    );
    return created;
  });
  return { token, sessionId: session.id, expiresAt, user: toUser(user) };
}

export interface ValidSession {
  sessionId: string;
  user: SessionUser;
}

/**
 * The user behind a session cookie, or null when the session is unknown, revoked, idle too long, past its
 * absolute expiry, or its user is disabled. Keeps the session alive (idle clock) at most once a minute.
 */
export async function validateSession(db: Db, token: string, now = new Date()): Promise<ValidSession | null> {
  if (!token || token.length > 100) return null;
  const session = await db.session.findUnique({ where: { tokenHash: sha256(token) }, include: { user: true } });
  if (!session || session.revokedAt || session.user.disabledAt) return null;
  if (session.expiresAt <= now) return null;
  if (now.getTime() - session.lastSeenAt.getTime() >= SESSION_POLICY.idleMs) return null;
  if (now.getTime() - session.lastSeenAt.getTime() >= SESSION_POLICY.touchMs) {
    await db.session.update({ where: { id: session.id }, data: { lastSeenAt: now } });
  }
  return { sessionId: session.id, user: toUser(session.user) };
}

/** Revokes a session on the server, so its cookie is worthless even if it was copied. */
export async function signOut(db: Db, token: string, ip: string | null, now = new Date()): Promise<void> {
  const session = await db.session.findUnique({ where: { tokenHash: sha256(token) }, include: { user: true } });
  if (!session || session.revokedAt) return;
  await db.$transaction(async (tx) => {
    await tx.session.update({ where: { id: session.id }, data: { revokedAt: now } });
    await recordAudit(
      tx,
      { ip, actor: { type: "user", id: session.userId, name: session.user.email } },
      { action: "auth.sign-out", targetType: "session", target: session.user.email, before: { session: session.id }, after: null },
    );
  });
}

export const FIRST_ADMIN_EMAIL = "admin@bulwark.local";
const FIRST_ADMIN_LOCK_KEY = 720_451_005;

/**
 * On a database without users, makes the first admin with a random password and returns it (the only time
 * it is ever seen); otherwise returns null. There are no default credentials.
 */
export async function ensureFirstAdmin(db: Db, email = FIRST_ADMIN_EMAIL): Promise<{ email: string; password: string } | null> {
  if ((await db.user.count()) > 0) return null;
  const password = randomPassword();
  const passwordHash = await hashPassword(password);
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FIRST_ADMIN_LOCK_KEY})`;
    if ((await tx.user.count()) > 0) return null;
    const user = await tx.user.create({ data: { email, name: "First admin", role: "admin", passwordHash } });
    await recordAudit(tx, { actor: SYSTEM_ACTOR, ip: null }, { action: "user.create", targetType: "user", target: email, after: { email, name: user.name, role: "admin" } });
    return { email, password };
  });
}
