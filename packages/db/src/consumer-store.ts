import { createHash, randomBytes } from "node:crypto";
import { ConsumerSchema, type Consumer } from "@bulwark/config/schema";
import type { Db } from "./client";
import { deleteEntity, getDraftConfig, parseEntity, saveEntity, type AuditNote } from "./config-store";
import { NotFoundError } from "./errors";

/** Consumers are part of the draft config like services and routes: they reach the workers when published. */
export async function listConsumers(db: Db): Promise<Consumer[]> {
  return (await getDraftConfig(db)).consumers;
}

export async function getConsumer(db: Db, name: string): Promise<Consumer> {
  const row = await db.consumer.findUnique({ where: { name } });
  if (!row) throw new NotFoundError(`consumer ${name} does not exist`);
  return row.spec as unknown as Consumer;
}

export async function createConsumer(db: Db, input: unknown, audit?: AuditNote): Promise<Consumer> {
  return saveEntity(db, "consumers", parseEntity(ConsumerSchema, input), undefined, audit);
}

/** Replaces name and description; keys are kept unless the input lists them (GitOps sends hashes). */
export async function updateConsumer(db: Db, name: string, input: unknown, audit?: AuditNote): Promise<Consumer> {
  const current = await getConsumer(db, name);
  const next = parseEntity(ConsumerSchema, { apiKeys: current.apiKeys, ...(input as object) });
  return saveEntity(db, "consumers", next, name, audit);
}

export async function deleteConsumer(db: Db, name: string, audit?: AuditNote): Promise<void> {
  return deleteEntity(db, "consumers", name, audit);
}

export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");

/**
 * Makes a new API key for a consumer: 32 random bytes, returned once (`bwk_` + base64url) and stored only as
 * its SHA-256. Like every config change it takes effect when published.
 */
export async function createApiKey(db: Db, name: string, audit?: AuditNote): Promise<{ id: string; key: string; consumer: Consumer }> {
  const current = await getConsumer(db, name);
  const id = randomBytes(6).toString("hex");
  const key = `bwk_${randomBytes(32).toString("base64url")}`;
  const consumer = await saveEntity(
    db,
    "consumers",
    parseEntity(ConsumerSchema, { ...current, apiKeys: [...current.apiKeys, { id, sha256: hashApiKey(key), createdAt: new Date().toISOString() }] }),
    name,
    audit && { ...audit, action: "consumer.key.create" },
  );
  return { id, key, consumer };
}

export async function revokeApiKey(db: Db, name: string, id: string, audit?: AuditNote): Promise<Consumer> {
  const current = await getConsumer(db, name);
  if (!current.apiKeys.some((k) => k.id === id)) throw new NotFoundError(`consumer ${name} has no key ${id}`);
  return saveEntity(db, "consumers", { ...current, apiKeys: current.apiKeys.filter((k) => k.id !== id) }, name, audit && { ...audit, action: "consumer.key.revoke" });
}
