import { createHash, randomBytes } from "node:crypto";
import { SignInSchema } from "@bulwark/config/console-access";
import { formatIssues } from "@bulwark/config/errors";
import { recordAudit, SYSTEM_ACTOR, type Actor } from "./audit-store";
import type { Db } from "./client";
import { TooManyRequestsError, UnauthorizedError, ValidationError } from "./errors";
import { DECOY_HASH, hashPassword, randomPassword, verifyPassword } from "./password";
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

export const SIGN_IN_POLICY = {
  /** Failures answered at once; each failure after these makes the next attempt wait (5 s, then 10 s). */
  freeFailures: 2,
  delayBaseMs: 5_000,
  /** This many failures in a row lock the email for lockMs. */
  lockAfter: 5,
  lockMs: 15 * 60_000,
  /** Failures older than this are forgotten. */
  windowMs: 15 * 60_000,
} as const;

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
 * Checks an email and password and opens a new session. Throttling and lockout are kept per email, known or
 * not, and an unknown email is verified against a decoy hash: the answers and their timing are the same, so
 * they do not tell which accounts exist. Every attempt, refused or not, is audited.
 */
export async function signIn(db: Db, request: SignInRequest): Promise<SignedIn> {
  const parsed = SignInSchema.safeParse({ email: request.email, password: request.password });
  if (!parsed.success) throw new ValidationError(formatIssues(parsed.error));
  const { email, password } = parsed.data;
  const now = request.now ?? new Date();
  const context = { ip: request.ip, actor: { type: "anonymous", id: null, name: email } satisfies Actor };
  const refuse = async (reason: string) =>
    recordAudit(db, context, { action: "auth.sign-in.failure", targetType: "user", target: email, diff: [{ path: "reason", before: null, after: reason }] });

  const attempts = await db.signInAttempt.findUnique({ where: { email } });
  if (attempts?.lockedUntil && attempts.lockedUntil > now) {
    await refuse("locked");
    throw new TooManyRequestsError("SIGN_IN_LOCKED", "too many failed sign-ins: this account is locked for a while", retryAfter(attempts.lockedUntil, now));
  }
  if (attempts?.nextAttemptAt && attempts.nextAttemptAt > now) {
    await refuse("throttled");
    throw new TooManyRequestsError("SIGN_IN_THROTTLED", "too many failed sign-ins: wait before trying again", retryAfter(attempts.nextAttemptAt, now));
  }

  const user = await db.user.findUnique({ where: { email } });
  const ok = await verifyPassword(password, user?.passwordHash ?? DECOY_HASH);
  if (!ok || !user || user.disabledAt) {
    await db.$transaction(async (tx) => {
      const recent = attempts?.lastFailureAt && now.getTime() - attempts.lastFailureAt.getTime() < SIGN_IN_POLICY.windowMs;
      const failures = (recent ? attempts!.failures : 0) + 1;
      const delayed = failures > SIGN_IN_POLICY.freeFailures ? SIGN_IN_POLICY.delayBaseMs * 2 ** (failures - SIGN_IN_POLICY.freeFailures - 1) : 0;
      const data = {
        failures,
        lastFailureAt: now,
        nextAttemptAt: delayed ? new Date(now.getTime() + delayed) : null,
        lockedUntil: failures >= SIGN_IN_POLICY.lockAfter ? new Date(now.getTime() + SIGN_IN_POLICY.lockMs) : null,
      };
      await tx.signInAttempt.upsert({ where: { email }, create: { email, ...data }, update: data });
      await recordAudit(tx, context, { action: "auth.sign-in.failure", targetType: "user", target: email, diff: [{ path: "failures", before: failures - 1, after: failures }] });
    });
    throw new UnauthorizedError("INVALID_CREDENTIALS", "the email or password is wrong");
  }

  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + SESSION_POLICY.absoluteMs);
  const session = await db.$transaction(async (tx) => {
    await tx.signInAttempt.deleteMany({ where: { email } });
    if (request.previousToken) await tx.session.updateMany({ where: { tokenHash: sha256(request.previousToken), revokedAt: null }, data: { revokedAt: now } });
    const created = await tx.session.create({
      data: { tokenHash: sha256(token), userId: user.id, createdAt: now, lastSeenAt: now, expiresAt, ip: request.ip, userAgent: request.userAgent?.slice(0, 300) ?? null },
    });
    await recordAudit(tx, { ip: request.ip, actor: { type: "user", id: user.id, name: user.email } }, { action: "auth.sign-in", targetType: "session", target: user.email, after: { session: created.id } });
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
    await recordAudit(tx, { ip, actor: { type: "user", id: session.userId, name: session.user.email } }, { action: "auth.sign-out", targetType: "session", target: session.user.email, before: { session: session.id }, after: null });
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
