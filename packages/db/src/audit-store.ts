import { SECRET_FIELD_NAME } from "@bulwark/config/secret-marker";
import type { Db } from "./client";
import type { Prisma } from "./generated/prisma/client";

type Tx = Prisma.TransactionClient;

/** Who did it: a signed-in user, an API token, Bulwark itself (first start, demo seed) or nobody yet (failed sign-in). */
export interface Actor {
  type: "user" | "token" | "system" | "anonymous";
  id: string | null;
  name: string;
}

/** What every mutation is handed so it can write its one audit entry in its own transaction. */
export interface AuditContext {
  actor: Actor;
  ip: string | null;
}

export interface DiffEntry {
  path: string;
  before: unknown;
  after: unknown;
}

export interface AuditEvent {
  action: string;
  targetType: string;
  target: string;
  before?: unknown;
  after?: unknown;
  /** Given instead of before/after when the change is better told another way (a publish's change list). */
  diff?: DiffEntry[];
}

export const SYSTEM_ACTOR: Actor = { type: "system", id: null, name: "bulwark" };

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The leaves that differ between two JSON documents, with dotted paths (`targets.0.address`). Arrays of a
 * different length, and anything created or deleted as a whole, are one entry.
 */
export function diffValues(before: unknown, after: unknown, path = ""): DiffEntry[] {
  if (same(before, after)) return [];
  const join = (k: string | number) => (path ? `${path}.${k}` : String(k));
  if (isPlain(before) && isPlain(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k] ?? null, after[k] ?? null, join(k)));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((b, i) => diffValues(b, after[i], join(i)));
  }
  return [{ path, before: before ?? null, after: after ?? null }];
}

const SECRET_KEY = /^(secret|password|passwordHash)$/i;

/**
 * Whatever is under a secret key, and text under any key the config names a secret by (SECRET_FIELD_NAME:
 * `clientSecret`, `privateKey`...), so a secret the config gains later is kept out of the log by construction.
 */
const isSecret = (key: string, value: unknown) => SECRET_KEY.test(key) || (typeof value === "string" && SECRET_FIELD_NAME.test(key));

/** A copy with every value under a secret-looking key (a route's JWT secret) replaced: the log says it changed, never what it is. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (!isPlain(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecret(k, v) && v !== null && v !== undefined ? "[redacted]" : redactSecrets(v)]));
}

function redactEntry(entry: DiffEntry): DiffEntry {
  const leaf = entry.path.slice(entry.path.lastIndexOf(".") + 1);
  if (isSecret(leaf, entry.before) || isSecret(leaf, entry.after)) {
    return { path: entry.path, before: entry.before === null ? null : "[redacted]", after: entry.after === null ? null : "[redacted]" };
  }
  return { path: entry.path, before: redactSecrets(entry.before), after: redactSecrets(entry.after) };
}

/** What an entry records of a change: the differing leaves, secrets redacted. */
export function auditDiff(event: Pick<AuditEvent, "before" | "after" | "diff">): DiffEntry[] {
  return (event.diff ?? diffValues(event.before ?? null, event.after ?? null)).map(redactEntry);
}

/** Writes one audit entry; given the mutation's transaction, the entry and the change commit or vanish together. */
export async function recordAudit(tx: Tx | Db, context: AuditContext, event: AuditEvent): Promise<void> {
  const diff = auditDiff(event);
  await tx.auditEntry.create({
    data: {
      actorType: context.actor.type,
      actorId: context.actor.id,
      actorName: context.actor.name.slice(0, 254),
      action: event.action,
      targetType: event.targetType,
      target: event.target.slice(0, 254),
      ip: context.ip?.slice(0, 64) ?? null,
      diff: diff as unknown as Prisma.InputJsonValue,
    },
  });
}

export interface AuditFilter {
  /** Part of the actor's name (email or token name), any case. */
  actor?: string;
  /** An action (`service.update`) or a prefix ending in a dot (`service.`). */
  action?: string;
  /** Part of the target's name, any case. */
  target?: string;
  since?: Date;
  until?: Date;
  /** Entries older than this id (paging, newest first). */
  before?: bigint;
  limit?: number;
}

export interface AuditEntryView {
  id: string;
  at: Date;
  actor: Actor;
  action: string;
  targetType: string;
  target: string;
  ip: string | null;
  diff: DiffEntry[];
}

/** Audit entries, newest first, filtered. Read-only: the product has no path that edits or deletes an entry. */
export async function listAudit(db: Db, filter: AuditFilter = {}): Promise<AuditEntryView[]> {
  const where: Prisma.AuditEntryWhereInput = {};
  if (filter.actor) where.actorName = { contains: filter.actor, mode: "insensitive" };
  if (filter.action) where.action = filter.action.endsWith(".") ? { startsWith: filter.action } : filter.action;
  if (filter.target) where.target = { contains: filter.target, mode: "insensitive" };
  if (filter.since || filter.until) where.at = { ...(filter.since ? { gte: filter.since } : {}), ...(filter.until ? { lt: filter.until } : {}) };
  if (filter.before !== undefined) where.id = { lt: filter.before };
  const rows = await db.auditEntry.findMany({ where, orderBy: { id: "desc" }, take: Math.min(Math.max(filter.limit ?? 100, 1), 500) });
  return rows.map((r) => ({
    id: r.id.toString(),
    at: r.at,
    actor: { type: r.actorType as Actor["type"], id: r.actorId, name: r.actorName },
    action: r.action,
    targetType: r.targetType,
    target: r.target,
    ip: r.ip,
    diff: r.diff as unknown as DiffEntry[],
  }));
}
