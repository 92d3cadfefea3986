/**
 * IP addresses as numbers, for range checks. Pure (no node:net): the config schemas also run in the console's
 * browser bundle. Only the standard text forms are read here; odd spellings (0x7f.1, 2130706433, 0177.0.0.1)
 * are normalised before, by the WHATWG URL parser, exactly as browsers, fetch and getaddrinfo read them.
 */

export interface Ip {
  v6: boolean;
  /** 32 bits for IPv4, 128 for IPv6. */
  value: bigint;
}

export interface IpRange {
  ip: Ip;
  prefix: number;
}

const V4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

function parseIpv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => V4_PART.test(p))) return null;
  return parts.reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
}

function parseIpv6(text: string): bigint | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (part: string): bigint[] | null => {
    if (part === "") return [];
    const out: bigint[] = [];
    const pieces = part.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIpv4(piece);
        if (v4 === null) return null;
        out.push(v4 >> 16n, v4 & 0xffffn);
      } else if (HEX_GROUP.test(piece)) out.push(BigInt(parseInt(piece, 16)));
      else return null;
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (head === null || tail === null) return null;
  // An embedded IPv4 may only end the address.
  if (halves.length === 2 && halves[0].includes(".")) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...new Array<bigint>(halves.length === 2 ? missing : 0).fill(0n), ...tail];
  return groups.reduce((n, g) => (n << 16n) | g, 0n);
}

/** "10.0.0.1", "::1", "[::ffff:a9fe:a9fe]" (brackets allowed); null for anything else, zone ids included. */
export function parseIp(text: string): Ip | null {
  const t = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (t.includes(":")) {
    const value = parseIpv6(t);
    return value === null ? null : { v6: true, value };
  }
  const value = parseIpv4(t);
  return value === null ? null : { v6: false, value };
}

export function formatIp(ip: Ip): string {
  if (!ip.v6) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join(".");
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: the longest run (of two or more) of zero groups becomes ::.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLength).join(":")}`;
}

const V6_MAPPED = parseRange("::ffff:0:0/96")!;
const V6_NAT64 = parseRange("64:ff9b::/96")!;
const V6_COMPAT = parseRange("::/96")!;

/**
 * The IPv4 address an IPv6 one carries and reaches: IPv4-mapped (::ffff:a.b.c.d, which a dual-stack socket
 * connects to over IPv4), NAT64 (64:ff9b::a.b.c.d) and the deprecated IPv4-compatible form (::a.b.c.d).
 */
export function embeddedIpv4(ip: Ip): Ip | null {
  if (!ip.v6) return null;
  const inCompat = inRange(ip, V6_COMPAT) && ip.value > 1n;
  if (!inRange(ip, V6_MAPPED) && !inRange(ip, V6_NAT64) && !inCompat) return null;
  return { v6: false, value: ip.value & 0xffffffffn };
}

/** "10.0.0.0/8", "fd00::/8", or one address (a /32 or /128). */
export function parseRange(text: string): IpRange | null {
  const [address, prefixText, extra] = text.split("/");
  if (extra !== undefined) return null;
  const ip = parseIp(address);
  if (ip === null) return null;
  const bits = ip.v6 ? 128 : 32;
  if (prefixText === undefined) return { ip, prefix: bits };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return null;
  return { ip, prefix: Number(prefixText) };
}

export function inRange(ip: Ip, range: IpRange): boolean {
  if (ip.v6 !== range.ip.v6) return false;
  const shift = BigInt((ip.v6 ? 128 : 32) - range.prefix);
  return ip.value >> shift === range.ip.value >> shift;
}
