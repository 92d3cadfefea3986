// One spelling, one decision: the gateway routes, applies policies and forwards on one canonical form of a
// request's path and host, so a rule cannot be passed by writing the same resource another way. The form is RFC
// 3986 section 6's normalisation, made as strict as the upstream frameworks that read the forwarded path:
//
// - percent-encodings of characters a path may hold literally (unreserved, sub-delims, ":" and "@") are decoded,
//   since every framework decodes them too (`%7E` is `~`, `%24` is `$`); the rest stay encoded with upper-case
//   hex (`%c3%a9` is `%C3%A9`), and characters a path may not hold literally are encoded;
// - `;` path parameters are removed from every segment, as Tomcat and Spring do before they route (`%3B` stays,
//   being part of the segment's name for them as well);
// - empty segments collapse, and `.` and `..` resolve, after decoding (`%2e%2e` is `..`);
// - encoded slashes and backslashes, a backslash, NUL, a control character, a `#`, a broken escape and a `..`
//   above the root cannot be made canonical: they are refused.
//
// A route's path goes through the same function when its config is parsed, so a route matches its own spelling.

/** Characters a canonical path holds literally: RFC 3986 pchar without "%" and ";", plus "/". */
const LITERAL = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@/") LITERAL[c.charCodeAt(0)] = 1;

/** Characters that are refused wherever they appear, literally or encoded. */
const REFUSED = new Uint8Array(128);
for (let c = 0; c < 0x20; c++) REFUSED[c] = 1;
REFUSED[0x7f] = 1;
REFUSED[0x5c] = 1; // backslash: Windows servers and some frameworks read it as a slash

const HEX = "0123456789ABCDEF";

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** Why a path cannot be made canonical. */
export class NonCanonicalPathError extends Error {}

/** True when `raw` is already canonical and needs no work: only literal characters, no `//` and no dot segment. */
function isPlain(raw: string): boolean {
  let prevSlash = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 128 || LITERAL[c] === 0) return false;
    if (c === 47) {
      if (prevSlash) return false;
      prevSlash = true;
    } else {
      if (c === 46 && prevSlash) return false; // a segment starting with "." may be a dot segment
      prevSlash = false;
    }
  }
  return true;
}

/** One segment's canonical spelling (its `;` parameters already cut). */
function canonicalSegment(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 /* % */) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) throw new NonCanonicalPathError("has a % that does not start a two-digit hex escape");
      const byte = hi * 16 + lo;
      if (byte === 0x2f) throw new NonCanonicalPathError("has an encoded slash (%2F)");
      if (byte < 128 && REFUSED[byte] === 1) throw new NonCanonicalPathError(`has an encoded control character or backslash (%${HEX[hi]}${HEX[lo]})`);
      out += byte < 128 && LITERAL[byte] === 1 ? String.fromCharCode(byte) : `%${HEX[hi]}${HEX[lo]}`;
      i += 2;
    } else if (c < 128 && LITERAL[c] === 1) {
      out += s[i];
    } else if (c < 128 && REFUSED[c] === 1) {
      throw new NonCanonicalPathError(c === 0x5c ? "has a backslash" : "has a control character");
    } else if (c === 35 /* # */) {
      throw new NonCanonicalPathError("has a # (a fragment is never sent to a server)");
    } else {
      // Node hands over the request line's bytes as latin1: a byte above 0x7f is one UTF-8 byte, encoded as is.
      if (c > 0xff) throw new NonCanonicalPathError("has a character outside ASCII that is not percent-encoded");
      out += `%${HEX[c >> 4]}${HEX[c & 15]}`;
    }
  }
  return out;
}

/**
 * The canonical form of an origin-form path (no query), or a NonCanonicalPathError saying why there is none.
 * A trailing slash (or a trailing dot segment, which names a directory) is kept: it is part of what the upstream
 * is asked for; routing ignores it (routeKey).
 */
export function canonicalPath(raw: string): string {
  if (raw.charCodeAt(0) !== 47) throw new NonCanonicalPathError("must start with /");
  if (isPlain(raw)) return raw;
  const segments = raw.split("/");
  const out: string[] = [];
  let trailing = false;
  for (let i = 1; i < segments.length; i++) {
    let s = segments[i];
    const semi = s.indexOf(";");
    if (semi >= 0) s = s.slice(0, semi);
    s = canonicalSegment(s);
    const last = i === segments.length - 1;
    if (s === "" || s === ".") {
      trailing = last;
      continue;
    }
    if (s === "..") {
      if (out.length === 0) throw new NonCanonicalPathError("climbs above the root with ..");
      out.pop();
      trailing = last;
      continue;
    }
    out.push(s);
    trailing = false;
  }
  if (out.length === 0) return "/";
  const joined = "/" + out.join("/");
  return trailing ? `${joined}/` : joined;
}

/** What routing compares: the canonical path without its trailing slash (`/exams/` and `/exams` are one resource). */
export function routeKey(path: string): string {
  return path.length > 1 && path.charCodeAt(path.length - 1) === 47 ? path.slice(0, -1) : path;
}

const HOST_NAME = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/;
const IPV6_LITERAL = /^\[[0-9a-f:.]{2,45}\]$/;

/** A Host header's canonical parts: `name` lower-case without a trailing dot, and the port unless it is the default. */
export interface CanonicalHost {
  name: string;
  /** `name` plus `:port` when the port is not the scheme's default: the Host the upstream is sent. */
  host: string;
}

/**
 * The canonical form of a Host header (RFC 3986 3.2.2: case-insensitive, the root's trailing dot and the
 * default port dropped), or null when it is not a host name or IP literal with an optional port.
 */
export function canonicalHost(header: string, defaultPort: number): CanonicalHost | null {
  let name: string;
  let portText = "";
  if (header.charCodeAt(0) === 91 /* [ */) {
    const end = header.indexOf("]");
    if (end < 0) return null;
    name = header.slice(0, end + 1).toLowerCase();
    if (!IPV6_LITERAL.test(name)) return null;
    const rest = header.slice(end + 1);
    if (rest !== "") {
      if (rest.charCodeAt(0) !== 58) return null;
      portText = rest.slice(1);
    }
  } else {
    const colon = header.indexOf(":");
    name = (colon < 0 ? header : header.slice(0, colon)).toLowerCase();
    if (colon >= 0) portText = header.slice(colon + 1);
    if (name.endsWith(".")) name = name.slice(0, -1);
    if (name.length > 253 || !HOST_NAME.test(name)) return null;
  }
  if (portText !== "" || header.endsWith(":")) {
    if (!/^\d{1,5}$/.test(portText)) return null;
    const port = Number(portText);
    if (port === 0 || port > 65535) return null;
    if (port !== defaultPort) return { name, host: `${name}:${port}` };
  }
  return { name, host: name };
}
