import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface StoredVersion {
  version: number;
  hash: string;
  config: unknown;
}

const FILE = "last-known-good.json";

/** Writes the version atomically (temp file + rename), so a crash never leaves half a file for the next start. */
export function writeLastKnownGood(dir: string, v: StoredVersion): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${FILE}.${process.pid}.${randomBytes(4).toString("hex")}`);
  writeFileSync(tmp, JSON.stringify(v));
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
