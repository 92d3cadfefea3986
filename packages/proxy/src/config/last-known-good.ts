import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, mkdir, open, rename, stat, unlink, type FileHandle } from "node:fs/promises";
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
 * Asynchronous, so the disk's write and fsync wait off the event loop: a worker keeps answering requests while a
 * 20,000-route version goes to disk. `configJson`, the config as JSON text (as read from the database), is written
 * as it is instead of serialising `v.config` again.
 * The config holds upstream addresses, HS256 JWT secrets and the like: the file is 0600 and its folder 0700, whatever
 * the umask, and a folder made earlier with a wider mode is narrowed.
 */
export async function writeLastKnownGood(dir: string, v: StoredVersion, configJson?: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and ignored for a folder that exists, so check it.
  if (((await stat(dir)).mode & 0o777) !== 0o700) await chmod(dir, 0o700);
  const text = `{"version":${JSON.stringify(v.version)},"hash":${JSON.stringify(v.hash)},"config":${configJson ?? JSON.stringify(v.config)}}`;
  const tmp = join(dir, `.${FILE}.${process.pid}.${randomBytes(8).toString("hex")}`);
  // "wx": created here or not at all, so no other writer shares it; the mode applies at creation, so the config
  // is never readable by others, not even briefly.
  const file = await open(tmp, "wx", 0o600);
  try {
    try {
      await writeText(file, text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, join(dir, FILE));
  } catch (error) {
    await unlink(tmp).catch(() => {}); // already gone
    throw error;
  }
  await syncFolder(dir);
}

/** Characters encoded per write: one Buffer.from of a 10 MB config held the event loop ~100 ms. */
const CHUNK_CHARS = 256 * 1024;

/** Writes `text` as UTF-8 from the file's start, a chunk at a time (never splitting a surrogate pair). */
async function writeText(file: FileHandle, text: string): Promise<void> {
  let position = 0;
  for (let from = 0; from < text.length;) {
    let to = Math.min(from + CHUNK_CHARS, text.length);
    const last = text.charCodeAt(to - 1);
    if (to < text.length && last >= 0xd800 && last <= 0xdbff) to--;
    const bytes = Buffer.from(text.slice(from, to), "utf8");
    for (let at = 0; at < bytes.length;) {
      const { bytesWritten } = await file.write(bytes, at, bytes.length - at, position);
      at += bytesWritten;
      position += bytesWritten;
    }
    from = to;
  }
}

/** Makes a rename in `dir` durable (POSIX: the directory entry is only on disk once the folder is fsynced). */
async function syncFolder(dir: string): Promise<void> {
  let folder;
  try {
    folder = await open(dir, "r");
  } catch {
    return; // a platform that cannot open a folder (Windows) has no folder fsync either
  }
  try {
    await folder.sync();
  } catch (error) {
    // Some file systems refuse fsync on a folder (EINVAL); the rename is still atomic there.
    if ((error as NodeJS.ErrnoException).code !== "EINVAL" && (error as NodeJS.ErrnoException).code !== "EPERM") throw error;
  } finally {
    await folder.close();
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
