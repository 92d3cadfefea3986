import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface StoredVersion {
  version: number;
  hash: string;
  config: unknown;
}

const FILE = "last-known-good.json";

/**
 * Writes the version atomically and durably: a temp file of its own in the same folder (so the rename stays on one
 * file system), written whole and fsynced, renamed over the file, then the folder fsynced so the rename itself
 * survives a power cut. A crash at any point leaves the old file or the new one, never half of one, and two workers
 * writing at once each write their own temp file, so their bytes never interleave.
 * The config holds upstream addresses, HS256 JWT secrets and the like: the file is 0600 and its folder 0700, whatever
 * the umask, and a folder made earlier with a wider mode is narrowed.
 */
export function writeLastKnownGood(dir: string, v: StoredVersion): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and ignored for a folder that exists, so check it.
  if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  const data = Buffer.from(JSON.stringify(v), "utf8");
  const tmp = join(dir, `.${FILE}.${process.pid}.${randomBytes(8).toString("hex")}`);
  // "wx": created here or not at all, so no other writer shares it; the mode applies at creation, so the config
  // is never readable by others, not even briefly.
  const fd = openSync(tmp, "wx", 0o600);
  try {
    try {
      for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(dir, FILE));
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw error;
  }
  syncFolder(dir);
}

/** Makes a rename in `dir` durable (POSIX: the directory entry is only on disk once the folder is fsynced). */
function syncFolder(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return; // a platform that cannot open a folder (Windows) has no folder fsync either
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    // Some file systems refuse fsync on a folder (EINVAL); the rename is still atomic there.
    if ((error as NodeJS.ErrnoException).code !== "EINVAL" && (error as NodeJS.ErrnoException).code !== "EPERM") throw error;
  } finally {
    closeSync(fd);
  }
}

export function readLastKnownGood(dir: string): StoredVersion | null {
  try {
    const v = JSON.parse(readFileSync(join(dir, FILE), "utf8")) as StoredVersion;
    return typeof v.version === "number" && typeof v.hash === "string" ? v : null;
  } catch {
    return null;
  }
}
