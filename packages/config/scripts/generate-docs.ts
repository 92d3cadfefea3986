import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HOST_SPELLINGS, PATH_SPELLINGS, type Spelling } from "../src/canonical-spellings";
import { API_ERRORS, GATEWAY_ERRORS, type ErrorSpec } from "../src/error-catalog";

/**
 * Writes the parts of docs/ that are read off the code, between `<!-- generated:NAME:start -->` and
 * `<!-- generated:NAME:end -->`, leaving the prose around them alone. `npm run docs` writes them;
 * `npm run docs -- --check` (and generate-docs.test.ts) fails when the committed docs differ.
 */

export const DOCS_DIR = fileURLToPath(new URL("../../../docs/", import.meta.url));

interface GeneratedBlock {
  file: string;
  name: string;
  /** The code the block is read off, named in the block's warning. */
  source: string;
  render(): string;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/</g, "&lt;");
}

function errorTable(specs: Readonly<Record<string, ErrorSpec>>): string {
  const rows = Object.entries(specs)
    .sort(([a, x], [b, y]) => String(x.status).localeCompare(String(y.status)) || a.localeCompare(b))
    .map(([code, spec]) => `| \`${code}\` | ${spec.status === "configured" ? "configured" : spec.status} | ${cell(spec.meaning)} |`);
  return ["| code | status | meaning |", "| --- | --- | --- |", ...rows].join("\n");
}

export function renderErrorTables(): string {
  return [
    "## Gateway codes",
    "",
    "Answered by the gateway on its port (`GATEWAY_PORT`, 8080) and, for `UNAUTHORIZED`, `NOT_FOUND` and `METRICS_FAILED`, on its admin port (`GATEWAY_ADMIN_PORT`, 9091).",
    "",
    errorTable(GATEWAY_ERRORS),
    "",
    "## Admin API codes",
    "",
    "Answered by the console: `/api/v1` and, for `BAD_URL` and `INTERNAL`, its pages too.",
    "",
    errorTable(API_ERRORS),
  ].join("\n");
}

function spellingTable(rows: readonly Spelling[], what: string): string {
  const code = (t: string) => `\`${t.replace(/\|/g, "\\|")}\``;
  const lines = rows.map((s) => `| ${code(s.raw)} | ${s.canonical === null ? "refused: 400 `BAD_REQUEST`" : code(s.canonical)} | ${cell(s.why)} |`);
  return [`| ${what} sent | routed and forwarded as | why |`, "| --- | --- | --- |", ...lines].join("\n");
}

export function renderSpellingTables(): string {
  return [spellingTable(PATH_SPELLINGS, "path"), "", spellingTable(HOST_SPELLINGS, "Host")].join("\n");
}

export const BLOCKS: readonly GeneratedBlock[] = [
  { file: "errors.md", name: "errors", source: "packages/config/src/error-catalog.ts", render: renderErrorTables },
  { file: "gateway.md", name: "spellings", source: "packages/config/src/canonical-spellings.ts", render: renderSpellingTables },
];

/** The text with the block between its markers replaced; the markers must be there, once each. */
export function replaceBlock(text: string, name: string, content: string, source = "packages/config/src/error-catalog.ts"): string {
  const start = `<!-- generated:${name}:start -->`;
  const end = `<!-- generated:${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from || text.indexOf(start, from + 1) >= 0) throw new Error(`expected one ${start} ... ${end} pair`);
  return `${text.slice(0, from + start.length)}\n<!-- written by npm run docs from ${source}: edit that, not this -->\n\n${content}\n\n${text.slice(to)}`;
}

/** Each generated file as it is now and as the generator would write it. */
export function generatedDocs(dir: string = DOCS_DIR): { path: string; current: string; generated: string }[] {
  const byFile = new Map<string, { current: string; generated: string }>();
  for (const block of BLOCKS) {
    const path = join(dir, block.file);
    const entry = byFile.get(path) ?? { current: readFileSync(path, "utf8"), generated: readFileSync(path, "utf8") };
    entry.generated = replaceBlock(entry.generated, block.name, block.render(), block.source);
    byFile.set(path, entry);
  }
  return [...byFile].map(([path, texts]) => ({ path, ...texts }));
}

function main(check: boolean): void {
  const stale = generatedDocs().filter((d) => d.current !== d.generated);
  if (check) {
    for (const d of stale) console.error(`${d.path} is out of date: run npm run docs`);
    process.exitCode = stale.length ? 1 : 0;
    return;
  }
  for (const d of stale) writeFileSync(d.path, d.generated);
  console.log(stale.length ? `wrote ${stale.map((d) => d.path).join(", ")}` : "docs are up to date");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.includes("--check"));
