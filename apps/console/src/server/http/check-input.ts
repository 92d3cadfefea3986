import type { FieldError } from "@bulwark/config/errors";

/**
 * What every string a client sends must be before it reaches a schema or PostgreSQL: PostgreSQL text cannot
 * hold NUL, and a lone UTF-16 surrogate is not Unicode (it cannot be stored as UTF-8 either). Deep nesting is
 * refused before any recursive code (zod, the config diff) walks it. One walk, iterative, so hostile input
 * cannot overflow the stack here either.
 */
export const INPUT_LIMITS = {
  /** Deeper than any config or form Bulwark accepts (a whole config is about 8 levels). */
  maxDepth: 32,
  /** The largest JSON body the admin API reads: a full config export of thousands of routes fits. */
  maxBodyBytes: 4 * 1024 * 1024,
} as const;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function stringProblem(value: string): string | null {
  if (value.includes("\u0000")) return "must not contain NUL characters";
  if (LONE_SURROGATE.test(value)) return "is not valid Unicode (it holds a lone surrogate)";
  return null;
}

export type InputProblem = { kind: "field"; field: FieldError } | { kind: "depth"; path: string };

/** The first string (key or value) a client may not send, or a nesting deeper than the limit; null if none. */
export function findInputProblem(value: unknown, maxDepth: number = INPUT_LIMITS.maxDepth): InputProblem | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: "", depth: 0 }];
  const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === "string") {
      const problem = stringProblem(item.value);
      if (problem) return { kind: "field", field: { path: item.path, message: problem } };
      continue;
    }
    if (item.value === null || typeof item.value !== "object") continue;
    if (item.depth >= maxDepth) return { kind: "depth", path: item.path };
    if (Array.isArray(item.value)) {
      for (let i = item.value.length - 1; i >= 0; i--) stack.push({ value: item.value[i], path: join(item.path, i), depth: item.depth + 1 });
      continue;
    }
    const keys = Object.keys(item.value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const path = join(item.path, key);
      const problem = stringProblem(key);
      if (problem) return { kind: "field", field: { path, message: `field name ${problem}` } };
      stack.push({ value: (item.value as Record<string, unknown>)[key], path, depth: item.depth + 1 });
    }
  }
  return null;
}
