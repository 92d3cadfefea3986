import type { IncomingMessage, ServerResponse } from "node:http";
import type { Fallback } from "@bulwark/config/schema";
import { RESPONSE_HOP_BY_HOP } from "../pipeline/upstream-headers";

/** Bodies larger than this are not kept for last-good fallbacks. */
const MAX_KEPT_BODY = 256 * 1024;
/** URLs kept per route; the oldest is forgotten first. */
const MAX_KEPT_URLS = 500;

interface KeptResponse {
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** The last 200 answer to a GET, per URL, that a route with `lastGood` fallbacks serves while its upstream cannot. */
export class LastGoodCache {
  private readonly entries = new Map<string, KeptResponse>();

  get(url: string): KeptResponse | undefined {
    return this.entries.get(url);
  }

  keep(url: string, headers: IncomingMessage["headers"], chunks: Buffer[], bytes: number): void {
    const kept: Record<string, string | string[]> = {};
    for (const name in headers) {
      const v = headers[name];
      if (v !== undefined && name !== "content-length" && name !== "set-cookie" && name !== "x-request-id" && !RESPONSE_HOP_BY_HOP.has(name)) kept[name] = v;
    }
    const body = Buffer.concat(chunks, bytes);
    kept["content-length"] = String(body.length);
    kept["x-bulwark-fallback"] = "last-good";
    this.entries.delete(url);
    if (this.entries.size >= MAX_KEPT_URLS) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(url, { headers: kept, body });
  }
}

export const MAX_CAPTURE_BYTES = MAX_KEPT_BODY;

export interface CompiledFallback {
  readonly lastGood: boolean;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export function compileFallback(f: Fallback): CompiledFallback {
  const body = Buffer.from(f.body, "utf8");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(f.headers)) headers[name.toLowerCase()] = value;
  headers["content-length"] = String(body.length);
  headers["cache-control"] = "no-store";
  headers["x-bulwark-fallback"] = "static";
  return Object.freeze({ lastGood: f.lastGood, status: f.status, headers: Object.freeze(headers), body });
}

/** Answers with the route's fallback; returns the status sent and which fallback it was. */
export function serveFallback(fallback: CompiledFallback, cache: LastGoodCache, req: IncomingMessage, res: ServerResponse): [number, "static" | "last-good"] {
  const method = req.method;
  if (fallback.lastGood && (method === "GET" || method === "HEAD")) {
    const kept = cache.get(req.url ?? "");
    if (kept !== undefined) {
      res.writeHead(200, kept.headers);
      res.end(method === "HEAD" ? undefined : kept.body);
      return [200, "last-good"];
    }
  }
  res.writeHead(fallback.status, fallback.headers);
  res.end(method === "HEAD" ? undefined : fallback.body);
  return [fallback.status, "static"];
}
