import { GatewayConfigSchema, RouteSchema, ServiceSchema, type Consumer, type GatewayConfig, type Route, type Service } from "@bulwark/config/schema";
import { diffConfig, type ConfigChange } from "@bulwark/config/diff";
import { formatIssues, type FieldError } from "@bulwark/config/errors";
import { hashConfig } from "@bulwark/config/hash";
import { redactConfig, redactEntity, restoreEntitySecrets, restoreSecrets, type Redacted } from "@bulwark/config/secrets";
import { recordAudit, type AuditContext } from "./audit-store";
import type { Db } from "./client";
import { ConflictError, NotFoundError, ValidationError } from "./errors";
import type { Prisma } from "./generated/prisma/client";

/** NOTIFY channel on which a publish announces its version number. */
export const CONFIG_CHANNEL = "bulwark_config";
const CONFIG_LOCK_KEY = 720_451_002;

type Tx = Prisma.TransactionClient;
type Kind = "services" | "routes" | "consumers";

export interface PublishedVersion {
  version: number;
  hash: string;
  author: string;
  message: string;
  createdAt: Date;
  changes: ConfigChange[];
}

export interface VersionWithConfig extends PublishedVersion {
  config: unknown;
}

/*
 * Stored secrets are write-only. Every reader here that the console uses answers with secrets redacted
 * (`{ set, fingerprint }`), and every writer takes that marker back as "keep the stored value", matched to the
 * entity it replaces. Only getLatestVersion, which the workers load, hands out the real values.
 */

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

async function readDraft(tx: Tx | Db): Promise<GatewayConfig> {
  const [services, routes, consumers] = await Promise.all([tx.service.findMany(), tx.route.findMany(), tx.consumer.findMany()]);
  return {
    services: services.map((s) => s.spec as unknown as Service).sort(byName),
    routes: routes.map((r) => r.spec as unknown as Route).sort(byName),
    consumers: consumers.map((c) => c.spec as unknown as Consumer).sort(byName),
  };
}

/** The editable config as it stands now (not yet published), secrets redacted: what an export carries. */
export async function getDraftConfig(db: Db): Promise<Redacted<GatewayConfig>> {
  return redactConfig(await readDraft(db));
}

/**
 * Validates the whole draft after one change, so cross-entity rules (a route's service exists, no two routes
 * claim the same host+path+method) are checked exactly as a worker will check the published version.
 * Errors on the changed entity get entity-relative paths (`targets.0.address`); others keep their full path.
 */
function validateDraft(draft: GatewayConfig, kind: Kind, name: string | undefined): GatewayConfig {
  const result = GatewayConfigSchema.safeParse(draft);
  if (result.success) return result.data;
  const index = name === undefined ? -1 : draft[kind].findIndex((e) => e.name === name);
  const fields: FieldError[] = formatIssues(result.error).map((f) => {
    const prefix = `${kind}.${index}.`;
    return index >= 0 && f.path.startsWith(prefix) ? { ...f, path: f.path.slice(prefix.length) } : f;
  });
  throw new ValidationError(fields);
}

// Prisma's default 5 s is too short to store and publish a 10,000-route config on a busy machine.
const CONFIG_TX = { timeout: 60_000, maxWait: 10_000 };

async function withConfigLock<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CONFIG_LOCK_KEY})`;
    return fn(tx);
  }, CONFIG_TX);
}

type EntitySchema<T> = { safeParse(v: unknown): { success: true; data: T } | { success: false; error: Parameters<typeof formatIssues>[0] } };

export function parseEntity<T>(schema: EntitySchema<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ValidationError(formatIssues(parsed.error));
  return parsed.data;
}

/**
 * An incoming entity, with each redacted secret it carries replaced by the stored value of the entity it
 * replaces (`before`, null when new), then parsed. A marker with nothing stored behind it is a 422 at its field.
 */
function parseWithSecrets<T>(kind: Kind, schema: EntitySchema<T>, input: unknown, before: unknown): T {
  const restored = restoreEntitySecrets(kind, input, before);
  const parsed = schema.safeParse(restored.value);
  const errors = [...restored.errors, ...(parsed.success ? [] : formatIssues(parsed.error).filter((f) => !restored.errors.some((r) => r.path === f.path)))];
  if (errors.length) throw new ValidationError(errors);
  return (parsed as { data: T }).data;
}

const table = (tx: Tx, kind: Kind) =>
  (kind === "services" ? tx.service : kind === "routes" ? tx.route : tx.consumer) as unknown as {
    findUnique(args: { where: { name: string } }): Promise<{ id: string; spec: unknown } | null>;
    create(args: { data: { name: string; spec: Prisma.InputJsonValue } }): Promise<unknown>;
    update(args: { where: { name: string }; data: { name: string; spec: Prisma.InputJsonValue } }): Promise<unknown>;
    delete(args: { where: { name: string } }): Promise<unknown>;
  };
const label = (kind: Kind) => (kind === "services" ? "service" : kind === "routes" ? "route" : "consumer");

/** An audit context plus, where the change has a more telling name than create/update, its action. */
export type AuditNote = AuditContext & { action?: string };

/**
 * Creates (no previousName) or replaces one entity of the draft. With `audit`, the change's one audit entry is
 * written in the same transaction, so a change is never without its entry and an entry never without its change.
 * `input` may be a function of the stored entity it replaces (to restore redacted secrets from it, under the
 * lock). Answers with the saved entity's secrets redacted.
 */
export async function saveEntity<T extends { name: string }>(db: Db, kind: Kind, input: T | ((before: T | null) => T), previousName?: string, audit?: AuditNote): Promise<Redacted<T>> {
  return withConfigLock(db, async (tx) => {
    const draft = await readDraft(tx);
    const list = draft[kind] as unknown as T[];
    let before: T | null = null;
    const at = previousName === undefined ? -1 : list.findIndex((e) => e.name === previousName);
    if (previousName !== undefined && at < 0) throw new NotFoundError(`${label(kind)} ${previousName} does not exist`);
    if (at >= 0) before = list[at];
    const entity = typeof input === "function" ? (input as (before: T | null) => T)(before) : input;
    if (previousName !== undefined) {
      if (entity.name !== previousName && list.some((e) => e.name === entity.name)) {
        throw new ValidationError([{ path: "name", message: `a ${label(kind)} named ${entity.name} already exists` }]);
      }
      if (kind === "services" && entity.name !== previousName && draft.routes.some((r) => r.service === previousName)) {
        throw new ValidationError([{ path: "name", message: `cannot rename: routes still refer to ${previousName}` }]);
      }
      list[at] = entity;
    } else {
      if (list.some((e) => e.name === entity.name)) {
        throw new ValidationError([{ path: "name", message: `a ${label(kind)} named ${entity.name} already exists` }]);
      }
      list.push(entity);
    }
    validateDraft(draft, kind, entity.name);
    const spec = entity as unknown as Prisma.InputJsonValue;
    if (previousName === undefined) await table(tx, kind).create({ data: { name: entity.name, spec } });
    else await table(tx, kind).update({ where: { name: previousName }, data: { name: entity.name, spec } });
    if (audit) {
      const action = audit.action ?? `${label(kind)}.${previousName === undefined ? "create" : "update"}`;
      await recordAudit(tx, audit, { action, targetType: label(kind), target: previousName ?? entity.name, before, after: entity });
    }
    return redactEntity(kind, entity);
  });
}

export async function deleteEntity(db: Db, kind: Kind, name: string, audit?: AuditNote): Promise<void> {
  await withConfigLock(db, async (tx) => {
    const draft = await readDraft(tx);
    if (!draft[kind].some((e) => e.name === name)) throw new NotFoundError(`${label(kind)} ${name} does not exist`);
    if (kind === "services") {
      const users = draft.routes.filter((r) => r.service === name || r.split?.service === name).map((r) => r.name);
      if (users.length) throw new ConflictError("SERVICE_IN_USE", `service ${name} is used by route(s) ${users.join(", ")}; delete or repoint them first`);
    }
    await table(tx, kind).delete({ where: { name } });
    if (audit) {
      const before = draft[kind].find((e) => e.name === name);
      await recordAudit(tx, audit, { action: audit.action ?? `${label(kind)}.delete`, targetType: label(kind), target: name, before, after: null });
    }
  });
}

export async function listServices(db: Db): Promise<Redacted<Service>[]> {
  return (await readDraft(db)).services.map((s) => redactEntity("services", s));
}
export async function getService(db: Db, name: string): Promise<Redacted<Service>> {
  const row = await db.service.findUnique({ where: { name } });
  if (!row) throw new NotFoundError(`service ${name} does not exist`);
  return redactEntity("services", row.spec as unknown as Service);
}
export async function createService(db: Db, input: unknown, audit?: AuditNote): Promise<Redacted<Service>> {
  return saveEntity(db, "services", (before: Service | null) => parseWithSecrets("services", ServiceSchema, input, before), undefined, audit);
}
export async function updateService(db: Db, name: string, input: unknown, audit?: AuditNote): Promise<Redacted<Service>> {
  return saveEntity(db, "services", (before: Service | null) => parseWithSecrets("services", ServiceSchema, input, before), name, audit);
}
export async function deleteService(db: Db, name: string, audit?: AuditNote): Promise<void> {
  return deleteEntity(db, "services", name, audit);
}

export async function listRoutes(db: Db): Promise<Redacted<Route>[]> {
  return (await readDraft(db)).routes.map((r) => redactEntity("routes", r));
}
export async function getRoute(db: Db, name: string): Promise<Redacted<Route>> {
  const row = await db.route.findUnique({ where: { name } });
  if (!row) throw new NotFoundError(`route ${name} does not exist`);
  return redactEntity("routes", row.spec as unknown as Route);
}
/** A redacted secret in `input` (`{ "set": true }`) has nothing to keep on a new route: a 422 at its field. */
export async function createRoute(db: Db, input: unknown, audit?: AuditNote): Promise<Redacted<Route>> {
  return saveEntity(db, "routes", (before: Route | null) => parseWithSecrets("routes", RouteSchema, input, before), undefined, audit);
}
/** A redacted secret in `input` keeps the stored one of route `name`, even when `input` renames it. */
export async function updateRoute(db: Db, name: string, input: unknown, audit?: AuditNote): Promise<Redacted<Route>> {
  return saveEntity(db, "routes", (before: Route | null) => parseWithSecrets("routes", RouteSchema, input, before), name, audit);
}
export async function deleteRoute(db: Db, name: string, audit?: AuditNote): Promise<void> {
  return deleteEntity(db, "routes", name, audit);
}

/**
 * Replaces the whole draft at once (GitOps import, demo seeding). Validated as one config; nothing is saved if
 * any part is invalid. A redacted secret (as an export carries it) keeps the stored value of the entity of the
 * same name; answers with secrets redacted.
 */
export async function replaceDraft(db: Db, input: unknown, audit?: AuditContext): Promise<Redacted<GatewayConfig>> {
  return withConfigLock(db, async (tx) => {
    const before = await readDraft(tx);
    const restored = restoreSecrets(input, before);
    const parsed = GatewayConfigSchema.safeParse(restored.value);
    const errors = [...restored.errors, ...(parsed.success ? [] : formatIssues(parsed.error).filter((f) => !restored.errors.some((r) => r.path === f.path)))];
    if (errors.length) throw new ValidationError(errors);
    const config = (parsed as { data: GatewayConfig }).data;
    await tx.route.deleteMany();
    await tx.service.deleteMany();
    await tx.consumer.deleteMany();
    if (config.consumers.length) await tx.consumer.createMany({ data: config.consumers.map((c) => ({ name: c.name, spec: c as unknown as Prisma.InputJsonValue })) });
    if (config.services.length) await tx.service.createMany({ data: config.services.map((s) => ({ name: s.name, spec: s as unknown as Prisma.InputJsonValue })) });
    if (config.routes.length) await tx.route.createMany({ data: config.routes.map((r) => ({ name: r.name, spec: r as unknown as Prisma.InputJsonValue })) });
    if (audit) await recordAudit(tx, audit, { action: "config.replace", targetType: "draft", target: "draft", diff: [{ path: "", before: summaryOf(before), after: summaryOf(config) }] });
    return redactConfig(config);
  });
}

/** A whole-draft replacement is audited by names, not by every field of every entity. */
function summaryOf(config: GatewayConfig) {
  return { services: config.services.map((s) => s.name), routes: config.routes.map((r) => r.name), consumers: config.consumers.map((c) => c.name) };
}

function toPublished(row: { version: number; hash: string; author: string; message: string; createdAt: Date; changes: unknown }): PublishedVersion {
  return { version: row.version, hash: row.hash, author: row.author, message: row.message, createdAt: row.createdAt, changes: row.changes as ConfigChange[] };
}

export interface PublishInput {
  author: string;
  message?: string;
}

/**
 * Publishes the draft as the next immutable version and announces it with NOTIFY (delivered at commit).
 * Refuses with NO_CHANGES when the draft equals the latest version.
 */
export async function publishDraft(db: Db, input: PublishInput, audit?: AuditContext): Promise<PublishedVersion> {
  const message = (input.message ?? "").trim();
  if (message.length > 500) throw new ValidationError([{ path: "message", message: "must be 500 characters or less" }]);
  const author = (audit?.actor.name ?? input.author).trim() || "unknown";
  return withConfigLock(db, async (tx) => {
    const draft = await readDraft(tx);
    const parsed = GatewayConfigSchema.safeParse(draft);
    if (!parsed.success) throw new ValidationError(formatIssues(parsed.error));
    const config = parsed.data;
    const hash = hashConfig(config);
    const latest = await tx.configVersion.findFirst({ orderBy: { version: "desc" } });
    if (latest && latest.hash === hash) throw new ConflictError("NO_CHANGES", `the draft is identical to version ${latest.version}; nothing to publish`);
    const changes = diffConfig(parsePublished(latest?.config), config);
    const row = await tx.configVersion.create({
      data: {
        version: (latest?.version ?? 0) + 1,
        hash,
        author,
        message: message || summarize(changes),
        config: config as unknown as Prisma.InputJsonValue,
        changes: changes as unknown as Prisma.InputJsonValue,
      },
    });
    if (audit) {
      await recordAudit(tx, audit, {
        action: "config.publish",
        targetType: "version",
        target: `v${row.version}`,
        diff: [
          { path: "version", before: latest?.version ?? null, after: row.version },
          { path: "changes", before: null, after: changes },
        ],
      });
    }
    await tx.$executeRaw`SELECT pg_notify(${CONFIG_CHANNEL}, ${String(row.version)})`;
    return toPublished(row);
  });
}

/** A published config for diffing; a version that does not parse (written by hand) diffs as empty. */
function parsePublished(config: unknown): GatewayConfig {
  const parsed = GatewayConfigSchema.safeParse(config);
  return parsed.success ? parsed.data : { services: [], routes: [], consumers: [] };
}

function summarize(changes: ConfigChange[]): string {
  if (!changes.length) return "no changes";
  const head = changes.slice(0, 3).map((c) => `${c.change} ${c.kind} ${c.name}`);
  return changes.length > 3 ? `${head.join(", ")} and ${changes.length - 3} more` : head.join(", ");
}

export async function listVersions(db: Db, limit = 50): Promise<PublishedVersion[]> {
  const rows = await db.configVersion.findMany({
    orderBy: { version: "desc" },
    take: Math.max(1, Math.min(limit, 500)),
    select: { version: true, hash: true, author: true, message: true, createdAt: true, changes: true },
  });
  return rows.map(toPublished);
}

/** A published version as the console shows and exports it: its config with secrets redacted. */
export async function getVersion(db: Db, version: number): Promise<VersionWithConfig> {
  const row = await db.configVersion.findUnique({ where: { version } });
  if (!row) throw new NotFoundError(`version ${version} does not exist`);
  return { ...toPublished(row), config: redactConfig(row.config) };
}

/**
 * The newest version with its raw config document, real secrets included: for the workers (which parse it
 * themselves), never for an answer of the console.
 */
export async function getLatestVersion(db: Db): Promise<VersionWithConfig | null> {
  const row = await db.configVersion.findFirst({ orderBy: { version: "desc" } });
  return row ? { ...toPublished(row), config: row.config } : null;
}

/**
 * The newest version for a worker, with its config as the JSON text PostgreSQL holds: the worker parses it in slices
 * between requests (one JSON.parse of a 20,000-route config, 10 MB, held its event loop ~100 ms, and mapping it as a
 * Json column through the client ~150 ms more) and writes the same text to its last-known-good file.
 */
export async function getLatestVersionText(db: Db): Promise<{ version: number; hash: string; configJson: string } | null> {
  const [row] = await db.$queryRaw<{ version: number; hash: string; configJson: string }[]>`
    SELECT version, hash, config::text AS "configJson" FROM config_versions ORDER BY version DESC LIMIT 1`;
  return row ?? null;
}

export async function getLatestVersionNumber(db: Db): Promise<number> {
  const row = await db.configVersion.findFirst({ orderBy: { version: "desc" }, select: { version: true } });
  return row?.version ?? 0;
}

export interface DraftStatus {
  latestVersion: number;
  pending: ConfigChange[];
}

/** What publishing now would change against the latest version. */
export async function getDraftStatus(db: Db): Promise<DraftStatus> {
  const [draft, latest] = await Promise.all([readDraft(db), db.configVersion.findFirst({ orderBy: { version: "desc" } })]);
  const parsed = GatewayConfigSchema.safeParse(draft);
  return { latestVersion: latest?.version ?? 0, pending: diffConfig(parsePublished(latest?.config), parsed.success ? parsed.data : draft) };
}
