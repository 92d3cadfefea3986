import { afterEach, describe, expect, it } from "vitest";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readLastKnownGood, writeLastKnownGood } from "./last-known-good";

const v = { version: 3, hash: "abc", config: { services: [], routes: [] } };
const mode = (path: string) => statSync(path).mode & 0o777;
const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), "bulwark-lkg-unit-"));
  dirs.push(d);
  return d;
};
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
});
