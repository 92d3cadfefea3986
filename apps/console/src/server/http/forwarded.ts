import { BlockList, isIP } from "node:net";

/**
 * What the console believes about a request's client: the socket's peer, unless that peer is one of
 * CONSOLE_TRUSTED_PROXIES (comma-separated addresses or CIDRs), in which case the X-Forwarded-For chain is
 * walked from the right, past trusted proxies, to the first address that is not one (nginx's real_ip_recursive),
 * and X-Forwarded-Proto is believed. From anyone else both headers are replaced: a client cannot choose the
 * address the audit log records, nor whether the session cookie is marked Secure.
 */
export interface TrustedProxies {
  has(address: string): boolean;
}

const bare = (address: string) =>
  address
    .trim()
    .replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "")
    .replace(/^\[(.*)\]$/, "$1");

export function parseTrustedProxies(spec: string | undefined): TrustedProxies {
  const list = new BlockList();
  for (const raw of (spec ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [address, bits] = raw.split("/");
    const family = isIP(address);
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
      throw new Error(`CONSOLE_TRUSTED_PROXIES: ${JSON.stringify(raw)} is not an address or CIDR`);
    }
    list.addSubnet(address, prefix, family === 6 ? "ipv6" : "ipv4");
  }
  return {
    has: (address) => {
      const a = bare(address);
      const family = isIP(a);
      return family !== 0 && list.check(a, family === 6 ? "ipv6" : "ipv4");
    },
  };
}

export interface Forwarded {
  clientIp: string;
  proto: "http" | "https";
}

export function resolveForwarded(peer: string | undefined, headers: Record<string, string | string[] | undefined>, encrypted: boolean, trusted: TrustedProxies): Forwarded {
  const own: Forwarded = { clientIp: bare(peer ?? ""), proto: encrypted ? "https" : "http" };
  if (!peer || !trusted.has(peer)) return own;
  const chain = [headers["x-forwarded-for"]]
    .flat()
    .filter((h): h is string => typeof h === "string")
    .join(",")
    .split(",")
    .map(bare)
    .filter(Boolean);
  let clientIp = own.clientIp;
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!isIP(chain[i])) break; // a garbled hop: stop at the last address a trusted proxy vouched for
    clientIp = chain[i];
    if (!trusted.has(chain[i])) break;
  }
  const proto = [headers["x-forwarded-proto"]].flat()[0]?.split(",")[0]?.trim().toLowerCase();
  return { clientIp, proto: proto === "https" ? "https" : proto === "http" ? "http" : own.proto };
}
