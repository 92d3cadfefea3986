import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** 32 random bytes as hex: safe in a connection URL without escaping. */
export function randomPassword(): string {
  return randomBytes(32).toString("hex");
}

/**
 * The password kept in `path` (mode 0600, in a 0700 folder), made on first use. A file or folder found readable by
 * others is tightened rather than trusted as it is: the password in it is what stands between a local user and the
 * database.
 */
export function readOrCreatePasswordFile(path: string): { password: string; created: boolean } {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  tighten(dirname(path), 0o700);
  try {
    writeFileSync(path, randomPassword() + "\n", { mode: 0o600, flag: "wx" });
    return { password: read(path), created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  tighten(path, 0o600);
  return { password: read(path), created: false };
}

function read(path: string): string {
  const password = readFileSync(path, "utf8").trim();
  if (!password) throw new Error(`${path} is empty: put the database password back in it`);
  return password;
}

function tighten(path: string, mode: number) {
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, mode);
}
