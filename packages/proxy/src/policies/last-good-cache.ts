import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { RESPONSE_HOP_BY_HOP } from "../pipeline/upstream-headers";

/** Bodies larger than this are not kept for last-good fallbacks. */
export const MAX_KEPT_BODY = 256 * 1024;
/** Answers kept per route; the oldest is forgotten first. */
const MAX_KEPT_URLS = 500;
/** An answer that varies on more request headers than this is not kept. */
const MAX_VARY = 16;

interface KeptResponse {
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** The request headers the answer said it varies on (lower-case), and what this caller sent in them. */
  vary: readonly string[];
  varyDigest: string;
}

const NOT_KEPT_DIRECTIVES = new Set(["private", "no-store", "no-cache"]);

/** Cache-Control directive names in a header value (any case, with or without arguments, repeated fields joined). */
function directives(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(",") : value;
  return joined.split(",").map((d) => d.split("=", 1)[0].trim().toLowerCase());
}

/** The request header names an answer's Vary lists, lower-case; null for `Vary: *` or a list too long to key on. */
function varyNames(value: string | string[] | undefined): string[] | null {
  if (value === undefined) return [];
  const names = [...new Set((Array.isArray(value) ? value.join(",") : value).split(",").map((n) => n.trim().toLowerCase()))].filter((n) => n !== "");
  return names.includes("*") || names.length > MAX_VARY ? null : names.sort();
}

/**
 * May this answer be kept at all? Like a shared cache (RFC 9111 3, 5.2): not when it sets a cookie, says it is
 * private or not to be stored or reused unchecked, varies on everything, or the request asked not to store it.
 */
export function mayKeep(req: IncomingMessage, answer: IncomingMessage["headers"]): boolean {
  if (answer["set-cookie"] !== undefined) return false;
  if (directives(answer["cache-control"]).some((d) => NOT_KEPT_DIRECTIVES.has(d))) return false;
  if (directives(req.headers["cache-control"]).includes("no-store")) return false;
  return varyNames(answer.vary) !== null;
}

/** Every value the client sent for these header names (lower-case), in order, from the raw block: duplicates count. */
function digestHeaders(req: IncomingMessage, names: readonly string[], hash: ReturnType<typeof createHash>): void {
  const raw = req.rawHeaders;
  for (const name of names) {
    hash.update(`\0${name}`);
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i].length === name.length && raw[i].toLowerCase() === name) hash.update(`\0${raw[i + 1].length}:${raw[i + 1]}`);
    }
  }
}

const CREDENTIALS = ["authorization", "cookie"];

/**
 * Who is asking, as far as the answer may depend on it: the authenticated consumer and every Authorization and
 * Cookie value, hashed (credentials are never kept in memory as they came); empty for an anonymous request. All of
 * them, not the consumer alone: a consumer may be an application whose end users the upstream tells apart by
 * tokens or cookies the gateway passes through.
 */
function callerOf(req: IncomingMessage, consumer: string | null): string {
  const headers = req.headers;
  if (consumer === null && headers.authorization === undefined && headers.cookie === undefined) return "";
  const hash = createHash("sha256").update(consumer === null ? "-" : `c${consumer.length}:${consumer}`);
  digestHeaders(req, CREDENTIALS, hash);
  return hash.digest("base64");
}

function keyOf(req: IncomingMessage, consumer: string | null): string {
  const host = req.headers.host;
  return `${typeof host === "string" ? host.toLowerCase() : ""} ${req.url ?? ""} ${callerOf(req, consumer)}`;
}

function varyDigestOf(req: IncomingMessage, names: readonly string[]): string {
  if (names.length === 0) return "";
  const hash = createHash("sha256");
  digestHeaders(req, names, hash);
  return hash.digest("base64");
}

/**
 * The last 200 answer to a GET that a route with `lastGood` fallbacks serves while its upstream cannot: kept per
 * host, URL and caller (consumer, Authorization, Cookie), so one caller's answer is only ever served back to that
 * caller, and only to a request that matches it on the headers its Vary names.
 */
export class LastGoodCache {
  private readonly entries = new Map<string, KeptResponse>();

  get size(): number {
    return this.entries.size;
  }

  /** The answer kept for this request and caller, if any. */
  get(req: IncomingMessage, consumer: string | null): KeptResponse | undefined {
    const kept = this.entries.get(keyOf(req, consumer));
    if (kept === undefined || varyDigestOf(req, kept.vary) !== kept.varyDigest) return undefined;
    return kept;
  }

  /** Forgets what was kept for this request and caller: its latest answer said it must not be kept. */
  forget(req: IncomingMessage, consumer: string | null): void {
    if (this.entries.size > 0) this.entries.delete(keyOf(req, consumer));
  }

  /** Keeps the answer to this request (`mayKeep` said it may be kept), replacing the caller's previous one for the URL. */
  keep(req: IncomingMessage, consumer: string | null, headers: IncomingMessage["headers"], chunks: Buffer[], bytes: number): void {
    const vary = varyNames(headers.vary);
    if (vary === null || !mayKeep(req, headers)) return;
    const kept: Record<string, string | string[]> = {};
    for (const name in headers) {
      const v = headers[name];
      if (v !== undefined && name !== "content-length" && name !== "set-cookie" && name !== "x-request-id" && !RESPONSE_HOP_BY_HOP.has(name)) kept[name] = v;
    }
    const body = Buffer.concat(chunks, bytes);
    kept["content-length"] = String(body.length);
    kept["x-bulwark-fallback"] = "last-good";
    const key = keyOf(req, consumer);
    this.entries.delete(key);
    if (this.entries.size >= MAX_KEPT_URLS) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { headers: kept, body, vary, varyDigest: varyDigestOf(req, vary) });
  }
}
