import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCS_DIR, generatedDocs, renderErrorTables, replaceBlock } from "./generate-docs";
import { API_ERRORS, GATEWAY_ERRORS } from "../src/error-catalog";

const ROOT = resolve(DOCS_DIR, "..");
const pages = [
  join(ROOT, "README.md"),
  ...readdirSync(DOCS_DIR)
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(DOCS_DIR, f)),
];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const text = markdown.replace(/```[\s\S]*?```/g, "");
  return new Set(
    [...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-"),
    ),
  );
}

function findFile(dir: string, name: string): string | null {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    } else if (entry.name === name) return path;
  }
  return null;
}

describe("the docs", () => {
  it("hold the error tables the generator writes from the catalog (run npm run docs after changing it)", () => {
    for (const doc of generatedDocs()) expect(doc.current, relative(ROOT, doc.path)).toBe(doc.generated);
  });

  it("list every code of the catalog, with its status", () => {
    const tables = renderErrorTables();
    for (const [code, spec] of Object.entries({ ...GATEWAY_ERRORS, ...API_ERRORS })) {
      expect(tables).toMatch(new RegExp(`\\| \`${code}\` \\| ${spec.status} \\|`));
    }
  });

  it("replace only what is between the markers, and refuse a page without them", () => {
    const page = "before\n<!-- generated:x:start -->\nold\n<!-- generated:x:end -->\nafter\n";
    const written = replaceBlock(page, "x", "new");
    expect(written).toMatch(/^before\n<!-- generated:x:start -->\n[\s\S]*\n\nnew\n\n<!-- generated:x:end -->\nafter\n$/);
    expect(written).not.toContain("old");
    expect(replaceBlock(written, "x", "new")).toBe(written);
    expect(() => replaceBlock("no markers", "x", "new")).toThrow(/generated:x:start/);
  });

  it("link only to files and headings that exist", () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(page, "utf8").replace(/```[\s\S]*?```/g, "");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [file, anchor] = target.split("#");
        const path = file ? resolve(dirname(page), file) : page;
        if (!existsSync(path)) broken.push(`${relative(ROOT, page)}: ${target} (no such file)`);
        else if (anchor && path.endsWith(".md") && !anchors(readFileSync(path, "utf8")).has(anchor)) broken.push(`${relative(ROOT, page)}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("describe every environment variable the gateway reads", () => {
    const options = findFile(join(ROOT, "packages/proxy/src"), "gateway-options.ts");
    expect(options).not.toBeNull();
    const source = readFileSync(options!, "utf8");
    const read = new Set([...source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)|\(env, "([A-Z][A-Z0-9_]+)"/g)].map((m) => m[1] ?? m[2]));
    expect(read.size).toBeGreaterThan(20);
    const operations = readFileSync(join(DOCS_DIR, "operations.md"), "utf8");
    expect([...read].filter((name) => !operations.includes(`\`${name}\``))).toEqual([]);
  });
});
