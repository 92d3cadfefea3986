import { readdirSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { API_ERRORS, ERROR_CATALOG, GATEWAY_ERRORS, type ErrorSide, type ErrorSpec } from "./error-catalog";

/**
 * Reads the source of everything that answers an error and finds the codes it answers, so the catalog cannot
 * miss one or keep one nothing answers. Each rule below is one way the code builds an error answer; when the
 * code gains another way (say the proxy builds its errors from GATEWAY_ERRORS), add a rule here.
 */

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CODE = String.raw`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)`;

type Status = number | "configured" | null;
interface Found {
  code: string;
  status: Status;
  where: string;
}
interface Rule {
  name: string;
  pattern: RegExp;
  read(match: RegExpExecArray): { code: string; status: Status };
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!["node_modules", ".next", "test", "e2e", "generated"].includes(entry.name)) files.push(...sourceFiles(path));
    } else if (/\.(ts|tsx|mts|mjs)$/.test(entry.name) && !/\.(test|spec)\.[a-z]+$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      files.push(path);
    }
  }
  return files;
}

const ERRNO = new Set(Object.keys(constants.errno));
const status = (raw: string): Status => (/^\d{3}$/.test(raw) ? Number(raw) : "configured");

/** Ways either side writes an error body by hand: `send(401, { error: { code: "..." } })` and the like. */
const BODY_RULES: Rule[] = [
  {
    name: "(status, { error: { code } })",
    pattern: new RegExp(String.raw`\b(\d{3})\s*,\s*\{\s*error:\s*\{\s*code:\s*"${CODE}"`, "g"),
    read: (m) => ({ code: m[2], status: Number(m[1]) }),
  },
  {
    name: "{ error: { code } }, { status }",
    pattern: new RegExp(String.raw`\{\s*error:\s*\{\s*code:\s*"${CODE}"[^\n]*?\{\s*status:\s*(\d{3})\s*\}`, "g"),
    read: (m) => ({ code: m[1], status: Number(m[2]) }),
  },
  { name: "code: literal", pattern: new RegExp(String.raw`\bcode:\s*"${CODE}"`, "g"), read: (m) => ({ code: m[1], status: null }) },
  { name: "JSON text", pattern: new RegExp(String.raw`\\?"code\\?"\s*:\s*\\?"${CODE}`, "g"), read: (m) => ({ code: m[1], status: null }) },
];

const GATEWAY_RULES: Rule[] = [
  {
    name: "new GatewayError(status, code",
    pattern: new RegExp(String.raw`new GatewayError\(\s*([^,()"]+?)\s*,\s*"${CODE}"`, "g"),
    read: (m) => ({ code: m[2], status: status(m[1]) }),
  },
  { name: "new GatewayError(code", pattern: new RegExp(String.raw`new GatewayError\(\s*"${CODE}"`, "g"), read: (m) => ({ code: m[1], status: null }) },
  {
    name: "[status, reason, code] (parser errors)",
    pattern: new RegExp(String.raw`\[\s*(\d{3})\s*,\s*"[^"\n]*"\s*,\s*"${CODE}"\s*\]`, "g"),
    read: (m) => ({ code: m[2], status: Number(m[1]) }),
  },
  {
    name: "GATEWAY_ERRORS.CODE",
    pattern: new RegExp(String.raw`\bGATEWAY_ERRORS(?:\.${CODE}|\[\s*"${CODE}"\s*\])`, "g"),
    read: (m) => ({ code: m[1] ?? m[2], status: null }),
  },
  ...BODY_RULES,
];

/** The console's one error mapper decides the status of each error class: read it rather than restate it. */
function classStatuses(): Map<string, number | "argument"> {
  const mapperFile = sourceFiles(join(ROOT, "apps/console/src")).find((f) => f.endsWith("/api-error.ts"));
  if (!mapperFile) throw new Error("the console's error mapper (api-error.ts) is gone: tell this test where errors get their status");
  const mapper = readFileSync(mapperFile, "utf8");
  const statuses = new Map<string, number | "argument">();
  for (const m of mapper.matchAll(/error instanceof (\w+)\)\s*(?:\{\s*)?return json\((\d{3}|error\.status)\b/g)) {
    statuses.set(m[1], m[2] === "error.status" ? "argument" : Number(m[2]));
  }
  return statuses;
}

function apiRules(): Rule[] {
  const statuses = classStatuses();
  const ofClass = (name: string, rest: string): Status => {
    const s = statuses.get(name);
    if (s !== "argument") return s ?? null;
    return Number(/,\s*(\d{3})\)\s*[;,]?\s*$/.exec(rest)?.[1] ?? 400);
  };
  return [
    {
      name: "new XError(code (db and console error classes)",
      pattern: new RegExp(String.raw`new (\w+Error)\(\s*"${CODE}"([^\n]*)`, "g"),
      read: (m) => ({ code: m[2], status: ofClass(m[1], m[3]) }),
    },
    {
      name: "class XError { readonly code = ... }",
      pattern: new RegExp(String.raw`class (\w+) extends Error \{\s*(?:override\s+)?readonly code = "${CODE}"`, "g"),
      read: (m) => ({ code: m[2], status: ofClass(m[1], "") }),
    },
    {
      name: "new ApiError(status, code (the UI's mirror of an answer)",
      pattern: new RegExp(String.raw`new ApiError\(\s*(\d{3})\s*,\s*"${CODE}"`, "g"),
      read: (m) => ({ code: m[2], status: Number(m[1]) }),
    },
    {
      name: "API_ERRORS.CODE",
      pattern: new RegExp(String.raw`\bAPI_ERRORS(?:\.${CODE}|\[\s*"${CODE}"\s*\])`, "g"),
      read: (m) => ({ code: m[1] ?? m[2], status: null }),
    },
    ...BODY_RULES,
  ];
}

/** Codes the code compares against (`error.code === "..."`, the retryable set): they must exist too. */
function references(text: string, side: ErrorSide): string[] {
  const found = [...text.matchAll(new RegExp(String.raw`\bcode\s*[!=]==?\s*"${CODE}"`, "g"))].map((m) => m[1]);
  if (side === "gateway") found.push(...[...text.matchAll(/"(UPSTREAM_[A-Z0-9_]*[A-Z0-9])"/g)].map((m) => m[1]));
  return found.filter((code) => !ERRNO.has(code));
}

interface Scan {
  answered: Found[];
  referenced: Found[];
}

function scan(dirs: string[], rules: Rule[], side: ErrorSide): Scan {
  const answered: Found[] = [];
  const referenced: Found[] = [];
  for (const file of dirs.flatMap((d) => (d.endsWith(".ts") ? [join(ROOT, d)] : sourceFiles(join(ROOT, d))))) {
    const text = readFileSync(file, "utf8");
    const where = relative(ROOT, file);
    for (const rule of rules) {
      for (const m of text.matchAll(rule.pattern)) {
        const found = rule.read(m);
        // A Node errno (`code: "ECONNREFUSED"` in a fake socket error) is a cause, never an answer.
        if (!ERRNO.has(found.code)) answered.push({ ...found, where: `${where} (${rule.name})` });
      }
    }
    for (const code of references(text, side)) referenced.push({ code, status: null, where });
  }
  return { answered, referenced };
}

const gateway = scan(["packages/proxy/src"], GATEWAY_RULES, "gateway");
const api = scan(["apps/console/src", "apps/console/server.ts", "packages/db/src"], apiRules(), "api");

function missing(found: Found[], catalog: Readonly<Record<string, ErrorSpec>>): string[] {
  return [...new Set(found.filter((f) => !(f.code in catalog)).map((f) => `${f.code} in ${f.where}`))];
}

function wrongStatus(found: Found[], catalog: Readonly<Record<string, ErrorSpec>>): string[] {
  return found
    .filter((f) => f.status !== null && f.code in catalog && catalog[f.code].status !== f.status)
    .map((f) => `${f.code}: ${f.where} answers ${f.status}, the catalog says ${catalog[f.code].status}`);
}

describe("the error catalog", () => {
  it("finds the codes it checks (the scan reads real source)", () => {
    expect(gateway.answered.length).toBeGreaterThan(20);
    expect(api.answered.length).toBeGreaterThan(15);
  });

  it("declares every code the gateway answers, with the status it answers", () => {
    expect(missing(gateway.answered, GATEWAY_ERRORS)).toEqual([]);
    expect(wrongStatus(gateway.answered, GATEWAY_ERRORS)).toEqual([]);
  });

  it("declares every code the admin API and the console answer, with the status they answer", () => {
    expect(missing(api.answered, API_ERRORS)).toEqual([]);
    expect(wrongStatus(api.answered, API_ERRORS)).toEqual([]);
  });

  it("declares every code the code compares against", () => {
    expect(missing(gateway.referenced, GATEWAY_ERRORS)).toEqual([]);
    expect(missing(api.referenced, API_ERRORS)).toEqual([]);
  });

  it("holds no code that nothing answers", () => {
    const answeredBy = (found: Found[]) => new Set(found.map((f) => f.code));
    const gatewayCodes = answeredBy(gateway.answered);
    const apiCodes = answeredBy(api.answered);
    expect(Object.keys(GATEWAY_ERRORS).filter((code) => !gatewayCodes.has(code))).toEqual([]);
    expect(Object.keys(API_ERRORS).filter((code) => !apiCodes.has(code))).toEqual([]);
  });

  it("gives every code its side, an HTTP status (or configured) and a one-line meaning", () => {
    for (const side of ["gateway", "api"] as const) {
      for (const [code, spec] of Object.entries(ERROR_CATALOG[side])) {
        expect(code, code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
        expect(spec.side, code).toBe(side);
        if (spec.status !== "configured") expect(spec.status >= 400 && spec.status <= 599, code).toBe(true);
        expect(spec.meaning.length, code).toBeGreaterThan(10);
        expect(spec.meaning, code).not.toMatch(/\n/);
      }
    }
    expect(GATEWAY_ERRORS.FAULT_INJECTED.status).toBe("configured");
  });

  it("is frozen, down to each entry", () => {
    expect(Object.isFrozen(ERROR_CATALOG)).toBe(true);
    expect(Object.isFrozen(GATEWAY_ERRORS)).toBe(true);
    expect(Object.isFrozen(API_ERRORS.INTERNAL)).toBe(true);
    expect(() => {
      (GATEWAY_ERRORS.NO_CONFIG as { status: number }).status = 200;
    }).toThrow();
  });
});
