import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { spawn } from "node:child_process";
import type * as fs from "node:fs";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readLastKnownGood, writeLastKnownGood } from "./last-known-good";

// node:fs as it is, with the calls that make a write durable recorded in order (and writeSync made to fail on demand).
const calls: string[] = [];
const failWrite = { next: false };
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const isDir = (fd: number) => real.fstatSync(fd).isDirectory();
  return {
    ...real,
    writeSync: (...args: Parameters<typeof real.writeSync>) => {
      if (failWrite.next) {
        failWrite.next = false;
        throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
      }
      calls.push("write");
      return real.writeSync(...args);
    },
    fsyncSync: (fd: number) => {
      calls.push(isDir(fd) ? "fsync folder" : "fsync file");
      return real.fsyncSync(fd);
    },
    renameSync: (from: fs.PathLike, to: fs.PathLike) => {
      calls.push("rename");
      return real.renameSync(from, to);
    },
  };
});

const v = { version: 3, hash: "abc", config: { services: [], routes: [] } };
const mode = (path: string) => statSync(path).mode & 0o777;
const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), "bulwark-lkg-unit-"));
  dirs.push(d);
  return d;
};
beforeEach(() => {
  calls.length = 0;
  failWrite.next = false;
});
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("writeLastKnownGood", () => {
  it("makes the folder 0700 and the file 0600, even with a permissive umask", () => {
    const dir = join(scratch(), "state", "gateway");
    const umask = process.umask(0o000);
    try {
      writeLastKnownGood(dir, v);
    } finally {
      process.umask(umask);
    }
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, "last-known-good.json"))).toBe(0o600);
    expect(readLastKnownGood(dir)).toEqual(v);
    // Only the file itself: the temp file was renamed, not left behind.
    expect(readdirSync(dir)).toEqual(["last-known-good.json"]);
  });

  it("narrows a folder that exists with a wider mode, and keeps the file 0600 when it replaces it", () => {
    const dir = join(scratch(), "gateway");
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    writeLastKnownGood(dir, v);
    writeLastKnownGood(dir, { ...v, version: 4 });
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, "last-known-good.json"))).toBe(0o600);
    expect(readLastKnownGood(dir)?.version).toBe(4);
  });

  it("flushes the data to disk before the rename and the folder after it, so a power cut keeps the old file or the new one", () => {
    const dir = scratch();
    writeLastKnownGood(dir, v);
    // Writes may be several; what matters is that each step follows the one before it.
    const steps = calls.filter((c, i) => c !== "write" || calls[i - 1] !== "write");
    expect(steps).toEqual(["write", "fsync file", "rename", "fsync folder"]);
  });

  it("leaves the previous file and no temp file behind when the write fails", () => {
    const dir = scratch();
    writeLastKnownGood(dir, v);
    failWrite.next = true;
    expect(() => writeLastKnownGood(dir, { ...v, version: 4 })).toThrow(/no space left/);
    expect(readLastKnownGood(dir)).toEqual(v);
    expect(readdirSync(dir)).toEqual(["last-known-good.json"]);
  });

  it("leaves one whole version and no temp files when several processes write at once, and a reader never sees half a file", async () => {
    const dir = scratch();
    const module = resolve(import.meta.dirname, "last-known-good.ts");
    // ~200 KiB a version, so a write takes several write() calls and shared temp files would tear.
    const writer = (id: number) =>
      `import { writeLastKnownGood } from ${JSON.stringify(module)};
       const pad = "${"x".repeat(64)}".repeat(3200);
       for (let i = 0; i < 40; i++) writeLastKnownGood(${JSON.stringify(dir)}, { version: i, hash: "w${id}-" + i, config: { writer: ${id}, seq: i, pad } });`;
    const run = (id: number) =>
      new Promise<{ code: number | null; stderr: string }>((ok) => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", writer(id)], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.once("exit", (code) => ok({ code, stderr }));
      });
    let done = false;
    let reads = 0;
    const torn: string[] = [];
    const reader = (async () => {
      while (!done) {
        let text: string | null = null;
        try {
          text = readFileSync(join(dir, "last-known-good.json"), "utf8");
        } catch {
          // not written yet
        }
        if (text !== null) {
          reads++;
          try {
            const parsed = JSON.parse(text) as { hash: string; config: { writer: number; seq: number } };
            if (parsed.hash !== `w${parsed.config.writer}-${parsed.config.seq}`) torn.push(parsed.hash);
          } catch {
            torn.push(`unparsable, ${text.length} bytes`);
          }
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const results = await Promise.all([1, 2, 3, 4].map(run));
    done = true;
    await reader;
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    const final = readLastKnownGood(dir) as { version: number; hash: string; config: { writer: number } };
    expect(final.version).toBe(39);
    expect(final.hash).toBe(`w${final.config.writer}-39`);
    expect(readdirSync(dir)).toEqual(["last-known-good.json"]);
  }, 60_000);
});
