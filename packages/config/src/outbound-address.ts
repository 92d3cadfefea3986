import { embeddedIpv4, formatIp, inRange, parseIp, parseRange, type Ip, type IpRange } from "./ip-address";
import { normaliseHostName, OUTBOUND_ALLOW_ENV, type OutboundPolicy } from "./outbound-policy";

/**
 * Where the gateway and the console may send requests. Service targets may be loopback or private (upstreams
 * usually are) but never cloud metadata, link-local, the unspecified address or this installation's own
 * listeners. JWKS URLs and SLO webhooks are fetched on the config author's say-so, so they also stay out of
 * loopback and private ranges unless BULWARK_OUTBOUND_ALLOW lists them (Grafana's outgoing-request allow-list,
 * GitLab's "allow requests to the local network"). Cloud metadata is never allowed, whatever the list says.
 */

export type OutboundUse = "target" | "jwks" | "webhook";

export type AddressClass = "public" | "private" | "loopback" | "link-local" | "metadata" | "unspecified" | "reserved";

const USE_TEXT: Record<OutboundUse, string> = { target: "service targets", jwks: "JWKS URLs", webhook: "webhooks" };

/** Ordered: the first match names the class, so a metadata address is not reported as merely link-local. */
const RANGES: [IpRange, AddressClass][] = (
  [
    // AWS, GCP, Azure, OpenStack and Oracle instance metadata; ECS task and EKS pod-identity credentials.
    ["169.254.169.254", "metadata"],
    ["169.254.170.2", "metadata"],
    ["169.254.170.23", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["fd00:ec2::23", "metadata"],
    ["100.100.100.200", "metadata"], // Alibaba Cloud
    ["192.0.0.192", "metadata"], // Oracle Cloud (classic)
    ["0.0.0.0/8", "unspecified"], // connecting to 0.0.0.0 reaches this host
    ["::/128", "unspecified"],
    ["127.0.0.0/8", "loopback"],
    ["::1/128", "loopback"],
    ["169.254.0.0/16", "link-local"],
    ["fe80::/10", "link-local"],
    ["10.0.0.0/8", "private"],
    ["172.16.0.0/12", "private"],
    ["192.168.0.0/16", "private"],
    ["100.64.0.0/10", "private"], // carrier-grade NAT, shared address space
    ["198.18.0.0/15", "private"], // benchmarking
    ["192.0.0.0/24", "private"], // IETF protocol assignments
    ["fc00::/7", "private"], // unique local
    ["fec0::/10", "private"], // site-local (deprecated)
    ["64:ff9b:1::/48", "private"], // local-use NAT64
    ["224.0.0.0/4", "reserved"], // multicast
    ["240.0.0.0/4", "reserved"], // reserved, and 255.255.255.255
    ["ff00::/8", "reserved"], // multicast
  ] as const
).map(([text, cls]) => [parseRange(text)!, cls]);

const METADATA_NAMES = new Set(["metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"]);
const LOOPBACK_NAMES = new Set(["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"]);

export function classifyIp(ip: Ip): AddressClass {
  const v4 = embeddedIpv4(ip);
  if (v4 !== null) return classifyIp(v4);
  for (const [range, cls] of RANGES) if (inRange(ip, range)) return cls;
  return "public";
}

/** A host name's class when the name alone tells it (RFC 6761's localhost, metadata names); else public. */
export function classifyName(name: string): AddressClass {
  const n = normaliseHostName(name);
  if (METADATA_NAMES.has(n)) return "metadata";
  if (LOOPBACK_NAMES.has(n) || n.endsWith(".localhost")) return "loopback";
  return "public";
}

function rangeListed(ip: Ip, policy: OutboundPolicy): boolean {
  const forms = [ip, embeddedIpv4(ip)].filter((x): x is Ip => x !== null);
  return policy.allowRanges.some((r) => forms.some((f) => inRange(f, r)));
}

function nameListed(name: string, policy: OutboundPolicy): boolean {
  const n = normaliseHostName(name);
  return policy.allowNames.includes(n) || policy.allowSuffixes.some((s) => n.endsWith(s));
}

function shown(host: string, ip: Ip | null): string {
  if (ip === null) return host;
  const v4 = embeddedIpv4(ip);
  return v4 === null ? formatIp(ip) : `${formatIp(v4)} (written ${formatIp(ip)})`;
}

export interface OutboundTarget {
  /** A host name or an IP literal (IPv6 with or without brackets), already normalised by the URL parser. */
  host: string;
  port: number;
  /** At run time: the name `host` was resolved from, whose allow-list entry then counts. */
  resolvedFrom?: string;
}

/**
 * Why `use` may not reach host:port, or null when it may. A name is judged by what the name alone says; what it
 * resolves to is checked when the request is made (checkResolvedAddress).
 */
export function outboundRefusal(use: OutboundUse, target: OutboundTarget, policy: OutboundPolicy): string | null {
  const ip = parseIp(target.host);
  const cls = ip !== null ? classifyIp(ip) : classifyName(target.host);
  const what = shown(target.host, ip);
  if (cls === "metadata") return `points at cloud metadata ${what}`;
  if (cls === "unspecified") return `points at the unspecified address ${what}, which reaches this host`;
  if (cls === "reserved") return `points at ${what}, a multicast or reserved address`;
  const own = policy.listeners.find((l) => l.port === target.port && (cls === "loopback" || (l.host !== null && ip !== null && sameIp(l.host, ip))));
  if (own !== undefined) return `is ${own.label} on this host`;
  if (cls === "public") return null;
  const fromName = target.resolvedFrom !== undefined && nameListed(target.resolvedFrom, policy);
  if (fromName || (ip !== null ? rangeListed(ip, policy) : nameListed(target.host, policy))) return null;
  if (use === "target" && cls !== "link-local") return null;
  return `points at ${cls === "link-local" ? "a link-local" : cls === "loopback" ? "a loopback" : "a private"} address ${what}; ${USE_TEXT[use]} may reach it only when ${OUTBOUND_ALLOW_ENV} lists it`;
}

function sameIp(a: Ip, b: Ip): boolean {
  const x = embeddedIpv4(a) ?? a;
  const y = embeddedIpv4(b) ?? b;
  return x.v6 === y.v6 && x.value === y.value;
}

const DEFAULT_PORTS: Record<string, number> = { "http:": 80, "https:": 443 };

/** Parses an http(s) URL as fetch does (so 0x7f.1 is 127.0.0.1) into the host and port it connects to. */
export function urlTarget(url: string): OutboundTarget | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (!(u.protocol in DEFAULT_PORTS)) return null;
  return { host: u.hostname, port: u.port === "" ? DEFAULT_PORTS[u.protocol] : Number(u.port) };
}

/** "host:port" of a service target, with the host normalised as a URL parser (and getaddrinfo) reads it. */
export function addressTarget(host: string, port: number): OutboundTarget | null {
  const literal = host.includes(":") ? `[${host}]` : host;
  const target = urlTarget(`http://${literal}:${port}/`);
  return target === null ? null : { host: target.host, port };
}

/** Why `use` may not reach the URL, or null (also for a URL that is not http(s): other checks report that). */
export function urlRefusal(use: OutboundUse, url: string, policy: OutboundPolicy): string | null {
  const target = urlTarget(url);
  return target === null ? null : outboundRefusal(use, target, policy);
}
