import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { spawn } from "node:child_process";
import type * as fs from "node:fs";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readLastKnownGood, writeLastKnownGood } from "./last-known-good";

// node:fs/promises as it is, with the calls that make a write durable recorded in order (and a file's write made
// to fail on demand).
const calls: string[] = [];
const failWrite = { next: false };
vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args);
      const isDir = (await handle.stat()).isDirectory();
      return new Proxy(handle, {
        get(target, key) {
          if (key === "write")
            return async (...a: Parameters<typeof handle.write>) => {
              if (failWrite.next) {
                failWrite.next = false;
                throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
              }
              calls.push("write");
              return target.write(...a);
            };
          if (key === "sync")
            return async () => {
              calls.push(isDir ? "fsync folder" : "fsync file");
              return target.sync();
            };
          const value = Reflect.get(target, key) as unknown;
          return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
    rename: async (from: fs.PathLike, to: fs.PathLike) => {
      calls.push("rename");
      return real.rename(from, to);
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
  it("makes the folder 0700 and the file 0600, even with a permissive umask", async () => {
    const dir = join(scratch(), "state", "gateway");
    const umask = process.umask(0o000);
    try {
      await writeLastKnownGood(dir, v);
    } finally {
      process.umask(umask);
    }
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, "last-known-good.json"))).toBe(0o600);
    expect(readLastKnownGood(dir)).toEqual(v);
    // Only the file itself: the temp file was renamed, not left behind.
    expect(readdirSync(dir)).toEqual(["last-known-good.json"]);
  });

  it("narrows a folder that exists with a wider mode, and keeps the file 0600 when it replaces it", async () => {
    const dir = join(scratch(), "gateway");
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    await writeLastKnownGood(dir, v);
    await writeLastKnownGood(dir, { ...v, version: 4 });
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, "last-known-good.json"))).toBe(0o600);
    expect(readLastKnownGood(dir)?.version).toBe(4);
  });

  it("flushes the data to disk before the rename and the folder after it, so a power cut keeps the old file or the new one", async () => {
    const dir = scratch();
    await writeLastKnownGood(dir, v);
    // Writes may be several; what matters is that each step follows the one before it.
    const steps = calls.filter((c, i) => c !== "write" || calls[i - 1] !== "write");
    expect(steps).toEqual(["write", "fsync file", "rename", "fsync folder"]);
  });

  it("writes the config's JSON text as it was read, so it needs no second serialisation", async () => {
    const dir = scratch();
    await writeLastKnownGood(dir, { ...v, config: null }, '{"routes":[],"services":[]}');
    expect(readLastKnownGood(dir)).toEqual({ ...v, config: { routes: [], services: [] } });
  });

  it("writes text of several chunks whole, a character of two UTF-16 units on a chunk's edge included", async () => {
    const dir = scratch();
    // 256 Ki characters a chunk: the first emoji (a surrogate pair) straddles the first edge.
    const before = '{"version":3,"hash":"abc","config":{"pad":"'.length;
    const config = { pad: "x".repeat(256 * 1024 - before - 1) + "😀".repeat(3) + "é".repeat(300_000) };
    await writeLastKnownGood(dir, { ...v, config });
    expect(readLastKnownGood(dir)).toEqual({ ...v, config });
    expect(calls.filter((c) => c === "write").length).toBeGreaterThan(2);
  });

  it("leaves the previous file and no temp file behind when the write fails", async () => {
    const dir = scratch();
    await writeLastKnownGood(dir, v);
    failWrite.next = true;
    await expect(writeLastKnownGood(dir, { ...v, version: 4 })).rejects.toThrow(/no space left/);
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
       for (let i = 0; i < 40; i++) await writeLastKnownGood(${JSON.stringify(dir)}, { version: i, hash: "w${id}-" + i, config: { writer: ${id}, seq: i, pad } });`;
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
