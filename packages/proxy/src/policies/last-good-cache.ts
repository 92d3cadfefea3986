import type { IncomingMessage } from "node:http";
import { RESPONSE_HOP_BY_HOP } from "../pipeline/upstream-headers";

/** Bodies larger than this are not kept for last-good fallbacks. */
export const MAX_KEPT_BODY = 256 * 1024;
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
