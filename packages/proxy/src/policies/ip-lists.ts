import { BlockList } from "node:net";
import { parseCidr, type Route } from "@bulwark/config/schema";
import { GatewayError } from "../errors";
import type { AdmitStep } from "../pipeline/compiled-route";

const FORBIDDEN = new GatewayError("IP_FORBIDDEN", "requests from this address are not allowed on this route");

function toBlockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const c = parseCidr(entry);
    if (typeof c === "string") throw new Error(`bad address ${entry}: ${c}`);
    list.addSubnet(c.address, c.prefix, c.family);
  }
  return list;
}

function familyOf(ip: string): { address: string; family: "ipv4" | "ipv6" } {
  if (ip.startsWith("::ffff:") && ip.includes(".")) return { address: ip.slice(7), family: "ipv4" };
  return { address: ip, family: ip.includes(":") ? "ipv6" : "ipv4" };
}

/** IP deny then allow lists, on the real client address (the peer, or a trusted proxy's X-Forwarded-For). */
export function ipListStep(route: Route): AdmitStep | null {
  if (!route.ipAllow.length && !route.ipDeny.length) return null;
  const allow = route.ipAllow.length ? toBlockList(route.ipAllow) : null;
  const deny = route.ipDeny.length ? toBlockList(route.ipDeny) : null;
  return (request) => {
    const { address, family } = familyOf(request.clientIp);
    if (deny !== null && deny.check(address, family)) throw FORBIDDEN;
    if (allow !== null && !allow.check(address, family)) throw FORBIDDEN;
  };
}
