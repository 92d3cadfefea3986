import { createHash } from "node:crypto";
import type { FieldError } from "./format-issues";
import { GatewayConfigSchema } from "./schema";
import { isSecretMarker, SECRET_FIELD_NAME, type Redacted, type SecretMarker } from "./secret-marker";

export { isSecretMarker, type Redacted, type SecretMarker } from "./secret-marker";

/**
 * Stored secrets are write-only. Everything that leaves the server (API answers, console pages, version
 * documents) goes through `redactConfig`; everything that comes in goes through `restoreSecrets`, so sending
 * back what was read keeps the stored value. Workers read versions from the database and never meet a marker.
 *
 * Where the secrets are is read off the zod schema itself (SECRET_FIELD_NAME on its text fields), once.
 */

/** One step of a secret's path: an object key, or every element of an array matched by its stable key. */
type Step = { key: string } | { each: "name" | "id" | null };
export type SecretPath = Step[];

interface ZodLike {
  _zod: { def: Record<string, unknown> & { type: string } };
}
const defOf = (schema: unknown) => (schema as ZodLike)._zod.def;

/** Does this schema (through nullable, default, pipe...) accept text? */
function acceptsText(schema: unknown, seen = new Set<unknown>()): boolean {
  if (seen.has(schema)) return false;
  seen.add(schema);
  const def = defOf(schema);
  switch (def.type) {
    case "string":
      return true;
    case "nullable":
    case "optional":
    case "default":
    case "prefault":
    case "nonoptional":
    case "readonly":
    case "catch":
      return acceptsText(def.innerType, seen);
    case "pipe":
      return acceptsText(def.in, seen);
    case "union":
      return (def.options as unknown[]).some((o) => acceptsText(o, seen));
    default:
      return false;
  }
}

/** The key an array's elements are matched by: their name, else their id (null: by position). */
function elementKey(element: unknown): "name" | "id" | null {
  const def = defOf(unwrap(element));
  if (def.type !== "object") return null;
  const shape = def.shape as Record<string, unknown>;
  return "name" in shape ? "name" : "id" in shape ? "id" : null;
}

function unwrap(schema: unknown): unknown {
  const def = defOf(schema);
  if (["nullable", "optional", "default", "prefault", "nonoptional", "readonly", "catch"].includes(def.type)) return unwrap(def.innerType);
  if (def.type === "pipe") return unwrap(def.in);
  return schema;
}

/** Every path under `schema` that ends at a text field named like a secret. */
export function findSecretPaths(schema: unknown, prefix: SecretPath = [], seen = new Set<unknown>()): SecretPath[] {
  const inner = unwrap(schema);
  if (seen.has(inner)) return [];
  const def = defOf(inner);
  const found: SecretPath[] = [];
  if (def.type === "object") {
    seen.add(inner);
    for (const [key, field] of Object.entries(def.shape as Record<string, unknown>)) {
      const path = [...prefix, { key }];
      if (SECRET_FIELD_NAME.test(key) && acceptsText(field)) found.push(path);
      else found.push(...findSecretPaths(field, path, seen));
    }
    seen.delete(inner);
  } else if (def.type === "array") {
    found.push(...findSecretPaths(def.element, [...prefix, { each: elementKey(def.element) }], seen));
  } else if (def.type === "union") {
    for (const option of def.options as unknown[]) found.push(...findSecretPaths(option, prefix, seen));
  } else if (def.type === "record") {
    found.push(...findSecretPaths(def.valueType, [...prefix, { each: null }], seen));
  }
  return found;
}

/** "routes.*.auth.jwt.secret": how a test, a README or an error names a secret path. */
export const describePath = (path: SecretPath) => path.map((s) => ("key" in s ? s.key : "*")).join(".");

let configPaths: SecretPath[] | undefined;
/** The secret paths of the gateway config, found once. */
export function configSecretPaths(): SecretPath[] {
  return (configPaths ??= findSecretPaths(GatewayConfigSchema));
}

export function fingerprint(secret: string): string {
  return `sha256:${createHash("sha256").update(secret, "utf8").digest("hex").slice(0, 12)}`;
}

export const redactSecret = (secret: string): SecretMarker => ({ set: true, fingerprint: fingerprint(secret) });

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A copy of `value` with `leaf` applied at the end of `path` (only what lies on the path is copied). */
function mapPath(value: unknown, path: SecretPath, leaf: (v: unknown) => unknown): unknown {
  if (path.length === 0) return leaf(value);
  const [step, ...rest] = path;
  if ("key" in step) {
    if (!isPlain(value) || !(step.key in value)) return value;
    return { ...value, [step.key]: mapPath(value[step.key], rest, leaf) };
  }
  if (Array.isArray(value)) return value.map((v) => mapPath(v, rest, leaf));
  if (isPlain(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapPath(v, rest, leaf)]));
  return value;
}

const redactLeaf = (v: unknown) => (typeof v === "string" ? redactSecret(v) : v);

/** The same document with every set secret replaced by its marker. Takes a whole config or any part of one. */
export function redactAt<T>(value: T, paths: SecretPath[]): Redacted<T> {
  return paths.reduce<unknown>((v, p) => mapPath(v, p, redactLeaf), value) as Redacted<T>;
}

/** A config (or a partial one: `{ routes: [...] }`) as it may leave the server. */
export function redactConfig<T>(config: T): Redacted<T> {
  return redactAt(config, configSecretPaths());
}

export type EntityKind = "services" | "routes" | "consumers";

/** The secret paths inside one entity of a kind (`auth.jwt.secret` for a route). */
export function entitySecretPaths(kind: EntityKind): SecretPath[] {
  return configSecretPaths()
    .filter((p) => "key" in p[0] && p[0].key === kind)
    .map((p) => p.slice(2));
}

export function redactEntity<T>(kind: EntityKind, entity: T): Redacted<T> {
  return redactAt(entity, entitySecretPaths(kind));
}

export interface Restored {
  value: unknown;
  /** A marker with nothing stored behind it, or one read from another secret: 422s at these paths. */
  errors: FieldError[];
}

/**
 * `incoming` with every marker in a secret's place replaced by the stored value at the same place. Array
 * elements are matched by name (or id), not position, so reordering or inserting routes never moves a secret
 * to another route. A marker whose fingerprint names another secret than the stored one is refused too: the
 * secret was replaced after it was read (or the document belongs elsewhere).
 */
export function restoreAt(incoming: unknown, stored: unknown, paths: SecretPath[]): Restored {
  const errors: FieldError[] = [];
  let value = incoming;
  for (const path of paths) value = restorePath(value, stored, path, [], errors);
  return { value, errors };
}

function restorePath(incoming: unknown, stored: unknown, path: SecretPath, at: (string | number)[], errors: FieldError[]): unknown {
  if (path.length === 0) {
    if (!isSecretMarker(incoming)) return incoming;
    const where = at.join(".");
    if (typeof stored !== "string") {
      errors.push({ path: where, message: "is a redacted secret, but none is stored here: send the secret itself" });
      return incoming;
    }
    if (typeof incoming.fingerprint === "string" && incoming.fingerprint !== fingerprint(stored)) {
      errors.push({ path: where, message: "is a redacted secret that is not the one stored here (replaced since it was read?): send the secret itself" });
      return incoming;
    }
    return stored;
  }
  const [step, ...rest] = path;
  if ("key" in step) {
    if (!isPlain(incoming) || !(step.key in incoming)) return incoming;
    const inner = isPlain(stored) ? stored[step.key] : undefined;
    return { ...incoming, [step.key]: restorePath(incoming[step.key], inner, rest, [...at, step.key], errors) };
  }
  if (Array.isArray(incoming)) {
    const old = Array.isArray(stored) ? stored : [];
    const match = (e: unknown, i: number) => {
      const key = step.each;
      if (key === null) return old[i];
      const id = isPlain(e) ? e[key] : undefined;
      return id === undefined ? undefined : old.find((o) => isPlain(o) && o[key] === id);
    };
    return incoming.map((e, i) => restorePath(e, match(e, i), rest, [...at, i], errors));
  }
  if (isPlain(incoming)) {
    const old = isPlain(stored) ? stored : {};
    return Object.fromEntries(Object.entries(incoming).map(([k, v]) => [k, restorePath(v, old[k], rest, [...at, k], errors)]));
  }
  return incoming;
}

/** A whole incoming config (an import) against the stored one. */
export function restoreSecrets(incoming: unknown, stored: unknown): Restored {
  return restoreAt(incoming, stored, configSecretPaths());
}

/** One incoming entity against the stored one it replaces (null when it is new), whatever either is named. */
export function restoreEntitySecrets(kind: EntityKind, incoming: unknown, stored: unknown): Restored {
  return restoreAt(incoming, stored, entitySecretPaths(kind));
}
