import type { Slices } from "./parse-in-slices";

const QUOTE = 34; // "
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;

class NotSplittable extends Error {}

/**
 * JSON.parse(text), in slices of the event loop: a top-level object's members are parsed one at a time, and a member
 * that is an array one element at a time, with a pause between elements whenever `slices` says so. One JSON.parse of
 * a 20,000-route config (10 MB) held a worker's event loop ~100 ms; here no step is larger than one route.
 * The result equals JSON.parse(text) (members in order, `__proto__` an own member as JSON.parse makes it). Text that
 * is not an object, or that does not scan as JSON, goes to JSON.parse whole, which gives the same value or the same
 * SyntaxError.
 */
export async function parseJsonInSlices(text: string, slices: Slices): Promise<unknown> {
  try {
    return await splitObject(text, slices);
  } catch (error) {
    if (!(error instanceof NotSplittable) && !(error instanceof SyntaxError)) throw error;
    return JSON.parse(text) as unknown;
  }
}

async function splitObject(text: string, slices: Slices): Promise<unknown> {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_OBJECT) throw new NotSplittable();
  const out: Record<string, unknown> = {};
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_OBJECT) i++;
  else
    for (;;) {
      if (text.charCodeAt(i) !== QUOTE) throw new NotSplittable();
      const keyEnd = stringEnd(text, i);
      const key = JSON.parse(text.slice(i, keyEnd)) as string;
      i = skipSpace(text, keyEnd);
      if (text.charCodeAt(i) !== COLON) throw new NotSplittable();
      i = skipSpace(text, i + 1);
      let value: unknown;
      if (text.charCodeAt(i) === OPEN_ARRAY) {
        const list: unknown[] = [];
        i = skipSpace(text, i + 1);
        if (text.charCodeAt(i) === CLOSE_ARRAY) i++;
        else
          for (;;) {
            const end = valueEnd(text, i);
            list.push(JSON.parse(text.slice(i, end)));
            i = skipSpace(text, end);
            const c = text.charCodeAt(i++);
            if (c === CLOSE_ARRAY) break;
            if (c !== COMMA) throw new NotSplittable();
            i = skipSpace(text, i);
            if (slices.due()) await slices.yield();
          }
        value = list;
      } else {
        const end = valueEnd(text, i);
        value = JSON.parse(text.slice(i, end));
        i = end;
      }
      // A member named __proto__ is an own member, as JSON.parse makes it, not the object's prototype.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      i = skipSpace(text, i);
      const c = text.charCodeAt(i++);
      if (c === CLOSE_OBJECT) break;
      if (c !== COMMA) throw new NotSplittable();
      i = skipSpace(text, i);
    }
  if (skipSpace(text, i) !== text.length) throw new NotSplittable();
  return out;
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
}

/** The index after the string that opens at `i`. */
function stringEnd(text: string, i: number): number {
  for (let at = i + 1; ;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) throw new NotSplittable();
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

/** The index after the value that starts at `i`: a string, an object or array (to its matching close), or a literal. */
function valueEnd(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === QUOTE) return stringEnd(text, i);
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    let at = i;
    for (;;) {
      const c = text.charCodeAt(at);
      if (Number.isNaN(c) || c === COMMA || c === CLOSE_ARRAY || c === CLOSE_OBJECT || c === 32 || c === 10 || c === 13 || c === 9) break;
      at++;
    }
    if (at === i) throw new NotSplittable();
    return at;
  }
  let depth = 0;
  for (let at = i; at < text.length;) {
    const c = text.charCodeAt(at);
    if (c === QUOTE) {
      at = stringEnd(text, at);
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (depth === 0) return at + 1;
    }
    at++;
  }
  throw new NotSplittable();
}
