import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface StoredVersion {
  version: number;
  hash: string;
  config: unknown;
}

const FILE = "last-known-good.json";

/**
 * Writes the version atomically (temp file + rename), so a crash never leaves half a file for the next start.
 * The config holds upstream addresses, HS256 JWT secrets and the like: the file is 0600 and its folder 0700, whatever
 * the umask, and a folder made earlier with a wider mode is narrowed.
 */
export function writeLastKnownGood(dir: string, v: StoredVersion): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and ignored for a folder that exists, so check it.
  if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  const tmp = join(dir, `.${FILE}.${process.pid}.${randomBytes(4).toString("hex")}`);
  // The mode applies when the file is created, so the config is never readable by others, not even briefly.
  writeFileSync(tmp, JSON.stringify(v), { mode: 0o600 });
  renameSync(tmp, join(dir, FILE));
}

export function readLastKnownGood(dir: string): StoredVersion | null {
  try {
    const v = JSON.parse(readFileSync(join(dir, FILE), "utf8")) as StoredVersion;
    return typeof v.version === "number" && typeof v.hash === "string" ? v : null;
  } catch {
    return null;
  }
}
