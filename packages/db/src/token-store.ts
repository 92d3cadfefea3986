import { randomBytes } from "node:crypto";
import { TokenCreateSchema } from "@bulwark/config/console-access";
import { recordAudit, type AuditContext } from "./audit-store";
import { sha256 } from "./auth-store";
import type { Db } from "./client";
import { parseEntity } from "./config-store";
import { NotFoundError, ValidationError } from "./errors";
import type { Prisma } from "./generated/prisma/client";
import { roleAllows, type Role } from "./roles";

type Tx = Prisma.TransactionClient;

const DAY_MS = 24 * 60 * 60_000;
const LAST_USED_GRANULARITY_MS = 60_000;

export interface TokenView {
  id: string;
  name: string;
  /** The role the token was made with; it acts with at most its creator's current role. */
  role: Role;
  prefix: string;
  /** Who made it, as the audit log names them. */
  createdBy: string;
  /** `user`: acts for createdById (null once that user is deleted, which ends the token); `system`: made from the machine. */
  createdByKind: "user" | "system";
  createdById: string | null;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

type TokenRow = Omit<TokenView, "role" | "createdByKind"> & { role: string; createdByKind: string; tokenHash?: string };
const view = (t: TokenRow): TokenView => ({
  id: t.id,
  name: t.name,
  role: t.role as Role,
  prefix: t.prefix,
  createdBy: t.createdBy,
  createdByKind: t.createdByKind === "system" ? "system" : "user",
  createdById: t.createdById,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  revokedAt: t.revokedAt,
  lastUsedAt: t.lastUsedAt,
});
const audited = (t: TokenView | null) => t && { name: t.name, role: t.role, prefix: t.prefix, expiresAt: t.expiresAt.toISOString(), revoked: t.revokedAt !== null };

export async function listTokens(db: Db): Promise<TokenView[]> {
  const rows = await db.apiToken.findMany({ orderBy: { createdAt: "desc" } });
  return rows.map(view);
}

/**
 * Makes an API token: `bwt_` and 32 random bytes, answered once and stored only as its SHA-256 (a fast hash
 * is enough for a secret this long: there is nothing to guess).
 */
export async function createToken(db: Db, input: unknown, audit: AuditContext, now = new Date()): Promise<{ token: string } & TokenView> {
  const data = parseEntity(TokenCreateSchema, input);
  const token = `bwt_${randomBytes(32).toString("base64url")}`;
  return db.$transaction(async (tx) => {
    const maker = await tokenMaker(tx, audit);
    if (maker.role && !roleAllows(maker.role, data.role)) {
      throw new ValidationError([{ path: "role", message: `cannot exceed the role of the user it acts for (${maker.role})` }]);
    }
    const row = await tx.apiToken.create({
      data: {
        name: data.name,
        role: data.role,
        tokenHash: sha256(token),
        prefix: token.slice(0, 10),
        createdBy: audit.actor.name,
        createdByKind: maker.kind,
        createdById: maker.userId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + data.expiresInDays * DAY_MS),
      },
    });
    const created = view(row);
    await recordAudit(tx, audit, { action: "token.create", targetType: "token", target: created.name, before: null, after: audited(created) });
    return { token, ...created };
  });
}

export async function revokeToken(db: Db, id: string, audit: AuditContext, now = new Date()): Promise<TokenView> {
  return db.$transaction(async (tx) => {
    const current = /^[0-9a-f-]{36}$/i.test(id) ? await tx.apiToken.findUnique({ where: { id } }) : null;
    if (!current) throw new NotFoundError(`token ${id} does not exist`);
    const before = view(current);
    if (current.revokedAt) return before;
    const row = await tx.apiToken.update({ where: { id }, data: { revokedAt: now } });
    const after = view(row);
    await recordAudit(tx, audit, { action: "token.revoke", targetType: "token", target: after.name, before: audited(before), after: audited(after) });
    return after;
  });
}

export interface TokenPrincipal {
  id: string;
  name: string;
  role: Role;
}

/**
 * The user a new token will act for: the signed-in user, or the user a token acts for when a token makes a token
 * (so a token cannot launder its creator away), or none for the system. `role` is that user's current role.
 */
async function tokenMaker(tx: Tx, audit: AuditContext): Promise<{ kind: "user" | "system"; userId: string | null; role: Role | null }> {
  if (audit.actor.type === "system") return { kind: "system", userId: null, role: null };
  if (audit.actor.type === "token" && audit.actor.id) {
    const parent = await tx.apiToken.findUnique({ where: { id: audit.actor.id }, include: { creator: true } });
    if (parent?.createdByKind === "system") return { kind: "system", userId: null, role: null };
    if (parent?.creator && !parent.creator.disabledAt) return { kind: "user", userId: parent.creator.id, role: lower(parent.role as Role, parent.creator.role as Role) };
  }
  if (audit.actor.type === "user" && audit.actor.id) {
    const user = await tx.user.findUnique({ where: { id: audit.actor.id } });
    if (user && !user.disabledAt) return { kind: "user", userId: user.id, role: user.role as Role };
  }
  throw new ValidationError([{ path: "", message: "a token must be made by an active user or another valid token" }]);
}

const lower = (a: Role, b: Role): Role => (roleAllows(a, b) ? b : a);

/** Revokes every token that acts for this user: on disabling or deleting them, inside that change's transaction. */
export async function revokeTokensOf(tx: Tx, userId: string, now: Date): Promise<number> {
  const { count } = await tx.apiToken.updateMany({ where: { createdById: userId, revokedAt: null }, data: { revokedAt: now } });
  return count;
}

export interface TokenPrincipal {
  id: string;
  name: string;
  /** The token's role capped by its user's current role. */
  role: Role;
}

/**
 * The token behind a Bearer credential, or null when it is unknown, revoked or expired, or the user it acts for
 * is disabled or gone. Its role is at most that user's role today: demoting the user demotes their tokens.
 */
export async function validateToken(db: Db, token: string, now = new Date()): Promise<TokenPrincipal | null> {
  if (!token.startsWith("bwt_") || token.length > 100) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: sha256(token) }, include: { creator: true } });
  if (!row || row.revokedAt || row.expiresAt <= now) return null;
  let role = row.role as Role;
  if (row.createdByKind !== "system") {
    if (!row.creator || row.creator.disabledAt) return null;
    role = lower(role, row.creator.role as Role);
  }
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_GRANULARITY_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { id: row.id, name: row.name, role };
}
