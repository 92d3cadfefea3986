import { randomBytes } from "node:crypto";
import { TokenCreateSchema } from "@bulwark/config/console-access";
import { recordAudit, type AuditContext } from "./audit-store";
import { sha256 } from "./auth-store";
import type { Db } from "./client";
import { parseEntity } from "./config-store";
import { NotFoundError } from "./errors";
import type { Role } from "./roles";

const DAY_MS = 24 * 60 * 60_000;
const LAST_USED_GRANULARITY_MS = 60_000;

export interface TokenView {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

const view = (t: TokenView & { tokenHash?: string }): TokenView => ({
  id: t.id,
  name: t.name,
  role: t.role as Role,
  prefix: t.prefix,
  createdBy: t.createdBy,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  revokedAt: t.revokedAt,
  lastUsedAt: t.lastUsedAt,
});
const audited = (t: TokenView | null) => t && { name: t.name, role: t.role, prefix: t.prefix, expiresAt: t.expiresAt.toISOString(), revoked: t.revokedAt !== null };

export async function listTokens(db: Db): Promise<TokenView[]> {
  const rows = await db.apiToken.findMany({ orderBy: { createdAt: "desc" } });
  return rows.map((r) => view({ ...r, role: r.role as Role }));
}

/**
 * Makes an API token: `bwt_` and 32 random bytes, answered once and stored only as its SHA-256 (a fast hash
 * is enough for a secret this long: there is nothing to guess).
 */
export async function createToken(db: Db, input: unknown, audit: AuditContext, now = new Date()): Promise<{ token: string } & TokenView> {
  const data = parseEntity(TokenCreateSchema, input);
  const token = `bwt_${randomBytes(32).toString("base64url")}`;
  return db.$transaction(async (tx) => {
    const row = await tx.apiToken.create({
      data: {
        name: data.name,
        role: data.role,
        tokenHash: sha256(token),
        prefix: token.slice(0, 10),
        createdBy: audit.actor.name,
        createdAt: now,
        expiresAt: new Date(now.getTime() + data.expiresInDays * DAY_MS),
      },
    });
    const created = view({ ...row, role: row.role as Role });
    await recordAudit(tx, audit, { action: "token.create", targetType: "token", target: created.name, before: null, after: audited(created) });
    return { token, ...created };
  });
}

export async function revokeToken(db: Db, id: string, audit: AuditContext, now = new Date()): Promise<TokenView> {
  return db.$transaction(async (tx) => {
    const current = /^[0-9a-f-]{36}$/i.test(id) ? await tx.apiToken.findUnique({ where: { id } }) : null;
    if (!current) throw new NotFoundError(`token ${id} does not exist`);
    const before = view({ ...current, role: current.role as Role });
    if (current.revokedAt) return before;
    const row = await tx.apiToken.update({ where: { id }, data: { revokedAt: now } });
    const after = view({ ...row, role: row.role as Role });
    await recordAudit(tx, audit, { action: "token.revoke", targetType: "token", target: after.name, before: audited(before), after: audited(after) });
    return after;
  });
}

export interface TokenPrincipal {
  id: string;
  name: string;
  role: Role;
}

/** The token behind a Bearer credential, or null when it is unknown, revoked or expired. */
export async function validateToken(db: Db, token: string, now = new Date()): Promise<TokenPrincipal | null> {
  if (!token.startsWith("bwt_") || token.length > 100) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: sha256(token) } });
  if (!row || row.revokedAt || row.expiresAt <= now) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_GRANULARITY_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { id: row.id, name: row.name, role: row.role as Role };
}
