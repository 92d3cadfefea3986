// Header blocks are handled as node:http's flat [name, value, name, value, ...] lists, both ways: read once from
// rawHeaders, handed to the upstream request and to the client response as lists. Node writes a list straight
// into the header block; an object would be copied header by header through setHeader (validated, lower-cased,
// stored) first, and deleting hop-by-hop keys from an object turns it into a slow dictionary.

const PASS = 0;
const DROP = 1;
const HOST = 2;
const REQUEST_ID = 3;
const TRACEPARENT = 4;
const FORWARDED_FOR = 5;
const FORWARDED_PROTO = 6;
const FORWARDED_HOST = 7;
const CONTENT_LENGTH = 8;
const TRANSFER_ENCODING = 9;
const CONNECTION = 10;
/** Believed from a trusted proxy, dropped from anyone else. */
const TRUSTED_ONLY = 11;

/**
 * Request headers the gateway reads or never forwards as they came: hop-by-hop ones (RFC 9110 7.6.1, framing is
 * re-done by node), the ones the gateway sets itself (Host in canonical form, forwarding headers, request id,
 * trace context), `x-consumer-name`, which only the gateway's auth stage may claim, and the headers frameworks
 * read to override the path (IIS's and Symfony's `X-Original-URL` / `X-Rewrite-URL`), dropped from everyone.
 * What a client says about itself or the hops before the gateway (client-address and scheme headers, method
 * overrides) is believed only from a trusted proxy, as nginx's real_ip and Envoy's xff_num_trusted_hops do.
 */
const REQUEST_KIND = new Map<string, number>([
  ["host", HOST],
  ["forwarded", DROP], // the gateway writes its own, from what it believes (handle-request)
  ["x-real-ip", DROP],
  ["x-original-url", DROP],
  ["x-rewrite-url", DROP],
  ...[
    "x-forwarded-port",
    "x-forwarded-prefix",
    "x-forwarded-server",
    "x-forwarded-scheme",
    "x-forwarded-ssl",
    "x-forwarded-uri",
    "x-forwarded-path",
    "x-forwarded",
    "forwarded-for",
    "x-original-forwarded-for",
    "x-original-host",
    "x-host",
    "x-client-ip",
    "client-ip",
    "true-client-ip",
    "x-cluster-client-ip",
    "cf-connecting-ip",
    "fastly-client-ip",
    "x-originating-ip",
    "x-remote-ip",
    "x-remote-addr",
    "front-end-https",
    "x-url-scheme",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
  ].map((name) => [name, TRUSTED_ONLY] as [string, number]),
  ["x-request-id", REQUEST_ID],
  ["traceparent", TRACEPARENT],
  ["x-forwarded-for", FORWARDED_FOR],
  ["x-forwarded-proto", FORWARDED_PROTO],
  ["x-forwarded-host", FORWARDED_HOST],
  ["content-length", CONTENT_LENGTH],
  ["transfer-encoding", TRANSFER_ENCODING],
  ["connection", CONNECTION],
  ["keep-alive", DROP],
  ["proxy-connection", DROP],
  ["proxy-authenticate", DROP],
  ["proxy-authorization", DROP],
  ["te", DROP],
  ["trailer", DROP],
  ["upgrade", DROP],
  ["x-consumer-name", DROP],
]);

/** Hop-by-hop response headers: never passed from the upstream to the client. */
export const RESPONSE_HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "upgrade",
  "transfer-encoding",
]);

/** What the pipeline needs from a client's header block, read in one pass over its raw headers. */
export interface RequestHead {
  host: string | undefined;
  /** How many Host fields came: more than one is refused. */
  hosts: number;
  /** Undefined when absent or sent more than once; likewise traceparent. */
  requestId: string | undefined;
  traceparent: string | undefined;
  /** Repeated fields joined with ", ", as node joins them. */
  forwardedFor: string | undefined;
  forwardedProto: string | undefined;
  forwardedHost: string | undefined;
  contentLength: string | undefined;
  chunked: boolean;
  /** The client's headers that go upstream as they are, in order, as a flat name/value list. */
  pass: string[];
}

function join(prev: string | undefined, value: string): string {
  return prev === undefined ? value : `${prev}, ${value}`;
}

const KEEP_ALIVE_OR_CLOSE = /^(?:keep-alive|close)$/i;

/** Names a Connection header lists (other than the always-kept ones), lower-cased, added to `into`. */
function connectionTokens(value: string, into: string[] | null): string[] | null {
  // Nearly every Connection header says just this; no need to split it.
  if (value.length <= 10 && KEEP_ALIVE_OR_CLOSE.test(value)) return into;
  for (const token of value.split(",")) {
    const name = token.trim().toLowerCase();
    // Framing and routing headers stay whatever Connection says: dropping Content-Length would unframe a body.
    if (name === "" || name === "close" || name === "keep-alive" || name === "host" || name === "content-length" || name.startsWith("x-forwarded")) continue;
    (into ??= []).push(name);
  }
  return into;
}

/** `list` without the headers whose lower-cased names are in `names`. */
function without(list: string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) if (!names.includes(list[i].toLowerCase())) out.push(list[i], list[i + 1]);
  return out;
}

/**
 * Reads a client's header block. `trusted`: the peer is a trusted proxy, whose forwarding headers are believed.
 * Header names with an underscore are dropped, as nginx does by default: some frameworks read `X_Forwarded_For`
 * as `X-Forwarded-For`, past every rule on the dashed name.
 */
export function readRequestHead(raw: readonly string[], trusted: boolean): RequestHead {
  const head: RequestHead = {
    host: undefined,
    hosts: 0,
    requestId: undefined,
    traceparent: undefined,
    forwardedFor: undefined,
    forwardedProto: undefined,
    forwardedHost: undefined,
    contentLength: undefined,
    chunked: false,
    pass: [],
  };
  let requestIds = 0;
  let traceparents = 0;
  let listed: string[] | null = null;
  const pass = head.pass;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    // toLowerCase returns the very string, unallocated, when it is lower-case already (most clients).
    switch (REQUEST_KIND.get(name.toLowerCase()) ?? PASS) {
      case PASS:
        if (name.indexOf("_") < 0) pass.push(name, value);
        break;
      case HOST:
        head.host = value;
        head.hosts++;
        break;
      case TRUSTED_ONLY:
        if (trusted) pass.push(name, value);
        break;

      case REQUEST_ID:
        head.requestId = value;
        requestIds++;
        break;
      case TRACEPARENT:
        head.traceparent = value;
        traceparents++;
        break;
      case FORWARDED_FOR:
        head.forwardedFor = join(head.forwardedFor, value);
        break;
      case FORWARDED_PROTO:
        head.forwardedProto = join(head.forwardedProto, value);
        break;
      case FORWARDED_HOST:
        head.forwardedHost = join(head.forwardedHost, value);
        break;
      case CONTENT_LENGTH:
        head.contentLength = value;
        pass.push(name, value);
        break;
      case TRANSFER_ENCODING:
        head.chunked = true; // node's strict parser accepts nothing but chunked as the final coding
        break;
      case CONNECTION:
        listed = connectionTokens(value, listed);
        break;
    }
  }
  if (requestIds > 1) head.requestId = undefined;
  if (traceparents > 1) head.traceparent = undefined;
  if (listed !== null) head.pass = without(pass, listed);
  return head;
}

/**
 * The header list for the client: the upstream's headers minus hop-by-hop ones (and those its Connection header
 * names), then the gateway's own (`extra`, lower-case names), which replace any the upstream sent by the same name.
 */
export function responseHeaderList(raw: readonly string[], extra: readonly string[]): string[] {
  const out: string[] = [];
  let listed: string[] | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (RESPONSE_HOP_BY_HOP.has(lower)) {
      if (lower === "connection") listed = connectionTokens(raw[i + 1], listed);
      continue;
    }
    if (extra.length > 0 && isExtra(lower, extra)) continue;
    out.push(name, raw[i + 1]);
  }
  const list = listed === null ? out : without(out, listed);
  for (let i = 0; i < extra.length; i++) list.push(extra[i]);
  return list;
}

function isExtra(lower: string, extra: readonly string[]): boolean {
  for (let i = 0; i < extra.length; i += 2) if (extra[i] === lower) return true;
  return false;
}

/** A flat header list as a node:http headers object (repeated names become arrays). */
export function headersObject(list: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i].toLowerCase();
    const prev = out[name];
    out[name] = prev === undefined ? list[i + 1] : Array.isArray(prev) ? [...prev, list[i + 1]] : [prev, list[i + 1]];
  }
  return out;
}
