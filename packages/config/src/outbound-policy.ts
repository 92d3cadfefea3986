import { parseIp, parseRange, type Ip, type IpRange } from "./ip-address";

/**
 * What the outbound-address rules need from the environment, read in this one place: the allow-list
 * (BULWARK_OUTBOUND_ALLOW) and this installation's own listeners (the gateway's proxy and admin ports, the
 * console's port). Console and workers read the same variables, so they accept and refuse the same configs.
 */

export const OUTBOUND_ALLOW_ENV = "BULWARK_OUTBOUND_ALLOW";

export interface OwnListener {
  port: number;
  /** The address it is bound to, when that is an IP literal other than the any-address. */
  host: Ip | null;
  /** For messages: "the gateway's admin port (GATEWAY_ADMIN_PORT=9091)". */
  label: string;
}

export interface OutboundPolicy {
  /** Address ranges that JWKS URLs, webhooks and targets may reach although they are loopback, private or link-local. */
  allowRanges: IpRange[];
  /** Host names allowed whatever they resolve to (except cloud metadata and this installation's own ports). */
  allowNames: string[];
  /** "*.corp.example" entries, stored as ".corp.example". */
  allowSuffixes: string[];
  listeners: OwnListener[];
}

type Env = Record<string, string | undefined>;

/** The listeners' defaults are the ones the gateway (gateway-options.ts) and the console (its package.json) use. */
const LISTENERS = [
  { port: "GATEWAY_PORT", fallback: 8080, host: "GATEWAY_HOST", what: "the gateway's own proxy port" },
  { port: "GATEWAY_ADMIN_PORT", fallback: 9091, host: "GATEWAY_ADMIN_HOST", what: "the gateway's admin port" },
  { port: "CONSOLE_PORT", fallback: 3000, host: "CONSOLE_HOST", what: "the console's port" },
] as const;

const NAME_ENTRY = /^(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function normaliseHostName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function readPort(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a whole number from 1 to 65535, got "${raw}"`);
  return n;
}

/** Throws, naming the variable, on an entry that is neither an address, a range nor a host name. */
export function readOutboundPolicy(env: Env): OutboundPolicy {
  const policy: OutboundPolicy = { allowRanges: [], allowNames: [], allowSuffixes: [], listeners: [] };
  for (const raw of (env[OUTBOUND_ALLOW_ENV] ?? "").split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const range = parseRange(entry);
    if (range !== null) {
      policy.allowRanges.push(range);
      continue;
    }
    const name = normaliseHostName(entry);
    if (/[:/]/.test(entry) || /^[\d.]+$/.test(name) || !NAME_ENTRY.test(name)) {
      throw new Error(`${OUTBOUND_ALLOW_ENV}: "${entry}" is not an address, an address/prefix (10.0.0.0/8) or a host name (jwks.corp.example, *.corp.example)`);
    }
    if (name.startsWith("*.")) policy.allowSuffixes.push(name.slice(1));
    else policy.allowNames.push(name);
  }
  for (const l of LISTENERS) {
    const port = readPort(env, l.port, l.fallback);
    policy.listeners.push({ port, host: parseIp(env[l.host] ?? ""), label: `${l.what} (${l.port}=${port})` });
  }
  return policy;
}

let cached: { key: string; policy: OutboundPolicy } | null = null;

/** The policy of this process's environment (none in a browser: defaults), re-read only when a variable changed. */
export function outboundPolicy(): OutboundPolicy {
  const env: Env = (globalThis as { process?: { env?: Env } }).process?.env ?? {};
  const names = [OUTBOUND_ALLOW_ENV, ...LISTENERS.flatMap((l) => [l.port, l.host])];
  const key = names.map((n) => env[n] ?? "").join("\n");
  if (cached === null || cached.key !== key) cached = { key, policy: readOutboundPolicy(env) };
  return cached.policy;
}
