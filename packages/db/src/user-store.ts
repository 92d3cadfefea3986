import { UserCreateSchema, UserUpdateSchema } from "@bulwark/config/console-access";
import { recordAudit, type AuditContext } from "./audit-store";
import type { Db } from "./client";
import { parseEntity } from "./config-store";
import { ConflictError, NotFoundError, ValidationError } from "./errors";
import { hashPassword, randomPassword } from "./password";
import { clearAccount } from "./sign-in-throttle";
import { revokeTokensOf } from "./token-store";
import type { Role } from "./roles";
import type { Prisma } from "./generated/prisma/client";

type Tx = Prisma.TransactionClient;
const USERS_LOCK_KEY = 720_451_006;

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const view = (u: { id: string; email: string; name: string; role: string; disabledAt: Date | null; createdAt: Date; updatedAt: Date }): UserView => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role as Role,
  disabled: u.disabledAt !== null,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
});
/** What the audit log shows of a user: never the password hash. */
const audited = (u: UserView | null) => u && { email: u.email, name: u.name, role: u.role, disabled: u.disabled };

export async function listUsers(db: Db): Promise<UserView[]> {
  return (await db.user.findMany({ orderBy: { email: "asc" } })).map(view);
}

async function findUser(tx: Tx | Db, id: string) {
  const user = /^[0-9a-f-]{36}$/i.test(id) ? await tx.user.findUnique({ where: { id } }) : null;
  if (!user) throw new NotFoundError(`user ${id} does not exist`);
  return user;
}

/** Users change under one lock, so two admins cannot both demote each other and leave no admin. */
async function withUsersLock<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${USERS_LOCK_KEY})`;
    return fn(tx);
  });
}

async function keepOneAdmin(tx: Tx, exceptId: string): Promise<void> {
  const admins = await tx.user.count({ where: { role: "admin", disabledAt: null, id: { not: exceptId } } });
  if (admins === 0) throw new ConflictError("LAST_ADMIN", "this is the last active admin: make another admin first");
}

/** Creates a user; without a password one is made, and answered this once. */
export async function createUser(db: Db, input: unknown, audit: AuditContext): Promise<{ user: UserView; password?: string }> {
  const data = parseEntity(UserCreateSchema, input);
  const password = data.password ?? randomPassword();
  const passwordHash = await hashPassword(password);
  return withUsersLock(db, async (tx) => {
    if (await tx.user.findUnique({ where: { email: data.email } })) throw new ValidationError([{ path: "email", message: "a user with this email already exists" }]);
    const user = view(await tx.user.create({ data: { email: data.email, name: data.name, role: data.role, passwordHash } }));
    await recordAudit(tx, audit, { action: "user.create", targetType: "user", target: user.email, before: null, after: audited(user) });
    return { user, ...(data.password ? {} : { password }) };
  });
}

/**
 * Changes a user's name, role, password or disabled flag. A new password or a disabled account ends the
 * user's sessions, and clears a sign-in lockout.
 */
export async function updateUser(db: Db, id: string, input: unknown, audit: AuditContext): Promise<UserView> {
  const data = parseEntity(UserUpdateSchema, input);
  const passwordHash = data.password ? await hashPassword(data.password) : undefined;
  return withUsersLock(db, async (tx) => {
    const current = view(await findUser(tx, id));
    if ((data.role && data.role !== "admin") || data.disabled) if (current.role === "admin") await keepOneAdmin(tx, id);
    const now = new Date();
    const user = view(
      await tx.user.update({
        where: { id },
        data: {
          ...(data.name !== undefined ? { name: data.name } : {}),
          ...(data.role ? { role: data.role } : {}),
          ...(passwordHash ? { passwordHash } : {}),
          ...(data.disabled !== undefined ? { disabledAt: data.disabled ? (current.disabled ? undefined : now) : null } : {}),
        },
      }),
    );
    if (passwordHash || data.disabled) await tx.session.updateMany({ where: { userId: id, revokedAt: null }, data: { revokedAt: now } });
    // A disabled user's tokens end with them (a demoted user's tokens are capped at the new role when used).
    const revokedTokens = data.disabled && !current.disabled ? await revokeTokensOf(tx, id, now) : 0;
    if (passwordHash) await clearAccount(tx, user.email);
    const after = { ...audited(user), ...(passwordHash ? { passwordChanged: true } : {}), ...(revokedTokens ? { tokensRevoked: revokedTokens } : {}) };
    await recordAudit(tx, audit, { action: "user.update", targetType: "user", target: user.email, before: audited(current), after });
    return user;
  });
}

export async function deleteUser(db: Db, id: string, audit: AuditContext): Promise<void> {
  await withUsersLock(db, async (tx) => {
    const current = view(await findUser(tx, id));
    if (current.role === "admin") await keepOneAdmin(tx, id);
    const tokensRevoked = await revokeTokensOf(tx, id, new Date());
    await tx.user.delete({ where: { id } });
    await recordAudit(tx, audit, {
      action: "user.delete",
      targetType: "user",
      target: current.email,
      before: { ...audited(current), ...(tokensRevoked ? { tokens: tokensRevoked } : {}) },
      after: null,
    });
  });
}

/**
 * The way back in when no admin can sign in (the first admin's password was lost): a new random password for the
 * account with this email, which is enabled again and made admin; its sessions and any lockout end. Run from the
 * machine (`npm run reset-password`), never through the product, and audited as Bulwark itself.
 */
export async function resetPassword(db: Db, email: string, audit: AuditContext): Promise<string> {
  const password = randomPassword();
  const passwordHash = await hashPassword(password);
  await withUsersLock(db, async (tx) => {
    const found = await tx.user.findUnique({ where: { email: email.trim().toLowerCase() } });
    if (!found) throw new NotFoundError(`no user has the email ${email}`);
    const current = view(found);
    const now = new Date();
    const user = view(await tx.user.update({ where: { id: found.id }, data: { passwordHash, role: "admin", disabledAt: null } }));
    await tx.session.updateMany({ where: { userId: found.id, revokedAt: null }, data: { revokedAt: now } });
    await clearAccount(tx, user.email);
    await recordAudit(tx, audit, { action: "user.reset-password", targetType: "user", target: user.email, before: audited(current), after: { ...audited(user), passwordChanged: true } });
  });
  return password;
}
