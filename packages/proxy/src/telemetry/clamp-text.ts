/**
 * How long a text that came from a request may be in a span. Longer ones are cut and marked, so one flood of
 * 8 KB paths or a header-derived value cannot grow the span buffer or a batch written to PostgreSQL.
 */
export const TEXT_LIMITS = {
  /** The request path, query included. */
  path: 1024,
  /** Error codes, route, service and target names, span names and every string attribute (decisions). */
  text: 256,
  /** W3C ids are 32 or 16 hex digits; anything longer was not a valid id. */
  id: 64,
} as const;

/**
 * `value` as it may be stored: at most `max` characters of it followed by a marker saying how long it was
 * (`…[8192 chars]`), never ending in half a surrogate pair, with NUL and lone surrogates replaced (PostgreSQL
 * refuses both in jsonb, and one such string would fail the whole batch it travels in).
 */
export function clampText(value: string, max: number): string {
  let s = value;
  if (s.length > max) {
    let end = max;
    const last = s.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--; // keep the pair whole: cut before it
    s = `${s.slice(0, end)}…[${value.length} chars]`;
  }
  if (s.includes("\u0000")) s = s.replaceAll("\u0000", "\ufffd");
  const w = s as unknown as WellFormed;
  return w.isWellFormed() ? s : w.toWellFormed();
}

/** ES2024 string methods (Node 20+), typed here because the repo's lib is older. */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** `clampText` for the nullable columns. */
export function clampOrNull(value: string | null, max: number): string | null {
  return value === null ? null : clampText(value, max);
}
