import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { outboundRefusal, urlTarget, type OutboundUse } from "./outbound-address";
import { outboundPolicy, type OutboundPolicy } from "./outbound-policy";

/**
 * Outbound HTTP for JWKS fetches and webhooks, with the outbound-address rules applied to the addresses a name
 * resolves to, at the moment of connecting: the socket connects to the address that was checked, so a name that
 * resolved to a public address when the config was saved and to 169.254.169.254 now (DNS rebinding) is refused.
 * Redirects are not followed (a redirect is an answer like any other), so they cannot lead elsewhere either.
 */

export class OutboundRefusedError extends Error {
  override readonly name = "OutboundRefusedError";
  readonly code = "OUTBOUND_REFUSED";
}

/** dns.lookup's shape with `all: true`; tests pass their own. */
export type Resolve = (hostname: string, callback: (error: Error | null, addresses: LookupAddress[]) => void) => void;

const systemResolve: Resolve = (hostname, callback) => dnsLookup(hostname, { all: true, verbatim: true }, callback);

export interface OutboundFetchOptions {
  method?: string;
  headers?: Record<string, string> | Headers;
  body?: string;
  signal?: AbortSignal;
  /** A longer answer body fails the request; 0: the body is not wanted, the connection is closed after the head. */
  maxBodyBytes?: number;
  policy?: OutboundPolicy;
  resolve?: Resolve;
}

/** A `lookup` for http.request/net.connect that hands the socket only addresses `use` may reach. */
export function checkedLookup(use: OutboundUse, port: number, policy: OutboundPolicy, resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
      // Every address is checked, not only the first: the socket may try them all (happy eyeballs).
      for (const a of wanted) {
        const refusal = outboundRefusal(use, { host: a.address.replace(/%.*$/, ""), port, resolvedFrom: hostname }, policy);
        if (refusal !== null) return callback(new OutboundRefusedError(`${hostname} resolves to ${a.address}, which ${refusal.replace(/^points at /, "is ")}`), "", 0);
      }
      if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "", 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, wanted);
      callback(null, wanted[0].address, wanted[0].family);
    });
  };
}

function readBody(res: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        res.destroy();
        reject(new Error(`the answer is larger than ${max} bytes`));
      } else chunks.push(chunk);
    });
    res.on("end", () => resolve(Buffer.concat(chunks)));
    res.on("error", reject);
    res.on("close", () => {
      if (!res.complete) reject(new Error("the answer was cut off"));
    });
  });
}

/**
 * A small fetch: what jose's JWKS fetcher and the webhook sender need (method, headers, a text body, a signal,
 * status and body of the answer), over node:http with a checked lookup. Refusals reject with OutboundRefusedError.
 */
export async function outboundFetch(use: OutboundUse, url: string, options: OutboundFetchOptions = {}): Promise<Response> {
  const policy = options.policy ?? outboundPolicy();
  const target = urlTarget(url);
  if (target === null) throw new OutboundRefusedError(`${url} is not an http(s) URL`);
  // IP literals never reach `lookup`; names are checked again there against what they resolve to.
  const refusal = outboundRefusal(use, target, policy);
  if (refusal !== null) throw new OutboundRefusedError(`${url} ${refusal}`);
  const u = new URL(url);
  const request = u.protocol === "https:" ? httpsRequest : httpRequest;
  const headers = options.headers instanceof Headers ? Object.fromEntries(options.headers) : (options.headers ?? {});
  options.signal?.throwIfAborted();
  return new Promise<Response>((resolve, reject) => {
    const fail = (error: unknown) => reject(options.signal?.aborted ? options.signal.reason : error);
    const req = request(u, { method: options.method ?? "GET", headers, signal: options.signal, lookup: checkedLookup(use, target.port, policy, options.resolve), agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      const max = options.maxBodyBytes ?? 1024 * 1024;
      if (max === 0) res.destroy();
      (max === 0 ? Promise.resolve(null) : readBody(res, max))
        .then((body) => {
          const answerHeaders = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) answerHeaders.set(k, Array.isArray(v) ? v.join(", ") : v);
          const empty = status === 204 || status === 205 || status === 304;
          resolve(new Response(empty || body === null ? null : new Uint8Array(body), { status, headers: answerHeaders })); // throws outside 200-599
        })
        .catch(fail);
    });
    req.on("error", fail);
    req.end(options.body);
  });
}
