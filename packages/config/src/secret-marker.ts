/**
 * What a stored secret looks like when it leaves the server: that it is set, and a short fingerprint to tell
 * two secrets apart, never the value. Sent back in a secret's place, it means "keep the stored value".
 * No node:crypto here: the console's browser code reads markers too (the fingerprints are made in secrets.ts).
 */
export interface SecretMarker {
  set: true;
  /** "sha256:" and the first 12 hex digits of the secret's SHA-256. */
  fingerprint: string;
}

export function isSecretMarker(value: unknown): value is SecretMarker {
  return typeof value === "object" && value !== null && !Array.isArray(value) && (value as { set?: unknown }).set === true;
}

/**
 * A config field holds a secret when it is text and its name ends like one: `secret`, `clientSecret`,
 * `privateKey`, `password`, `token`... So a secret added to the schema later is redacted by construction, not
 * by remembering a list (secrets.test.ts pins the fields this finds, so a new one is noticed either way).
 */
export const SECRET_FIELD_NAME = /(secret|password|passphrase|token|credential|key)$/i;

type SecretSuffix = "secret" | "Secret" | "password" | "Password" | "passphrase" | "Passphrase" | "token" | "Token" | "credential" | "Credential" | "key" | "Key";
type SecretName = `${string}${SecretSuffix}` | SecretSuffix;

/** The type of a value as it leaves the server: every text field named like a secret may be a marker instead. */
export type Redacted<T> = T extends (infer U)[]
  ? Redacted<U>[]
  : T extends object
    ? { [K in keyof T]: K extends SecretName ? ([Extract<T[K], string>] extends [never] ? Redacted<T[K]> : Redacted<Exclude<T[K], string>> | SecretMarker) : Redacted<T[K]> }
    : T;
