import {
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUTS,
  FallbackSchema,
  FaultsSchema,
  HeaderNameSchema,
  HTTP_METHODS,
  RateLimitSchema,
  type HttpMethod,
  type PathType,
  type Priority,
  type RateLimit,
  type Retries,
} from "@bulwark/config/schema";
import { ApiError, type Route } from "@/lib/api";
import { accessDraft, accessErrorPaths, toAccessBody, type AccessDraft } from "./route-access-draft";

/** How the route form holds a route while it is edited: number fields stay strings, the server judges them. */
export interface RouteDraft {
  name: string;
  hosts: string;
  path: string;
  pathType: PathType;
  methods: HttpMethod[];
  service: string;
  stripPrefix: boolean;
  connectMs: string;
  responseHeaderMs: string;
  totalMs: string;
  priority: Priority;
  /** "" = no limit. */
  maxBodyBytes: string;
  retries: RetriesDraft;
  fallback: FallbackDraft;
  rateLimit: RateLimitDraft;
  split: SplitDraft;
  faults: FaultsDraft;
  /** Credentials and IP lists: `auth`, `ipAllow` and `ipDeny` of the route. */
  access: AccessDraft;
}
export type RetryNumberField = "attempts" | "backoffMs" | "maxBackoffMs" | "budgetPercent" | "minRetryConcurrency";
export type RetriesDraft = Record<RetryNumberField, string> & { statuses: string; methods: HttpMethod[] };
export interface HeaderDraft {
  key: number;
  name: string;
  value: string;
}
export interface FallbackDraft {
  enabled: boolean;
  status: string;
  headers: HeaderDraft[];
  body: string;
  lastGood: boolean;
}
export interface RateLimitDraft {
  enabled: boolean;
  requests: string;
  windowMs: string;
  by: RateLimit["by"];
  header: string;
}
export interface SplitDraft {
  enabled: boolean;
  service: string;
  percent: string;
  headerEnabled: boolean;
  headerName: string;
  headerValue: string;
}
export interface FaultsDraft {
  enabled: boolean;
  abort: boolean;
  abortPercent: string;
  abortStatus: string;
  delay: boolean;
  delayPercent: string;
  delayMs: string;
}

const RETRY_NUMBER_FIELDS: RetryNumberField[] = ["attempts", "backoffMs", "maxBackoffMs", "budgetPercent", "minRetryConcurrency"];
let nextKey = 1;
export const blankHeader = (): HeaderDraft => ({ key: nextKey++, name: "", value: "" });

const retriesDraft = (r: Retries): RetriesDraft => ({
  attempts: String(r.attempts),
  statuses: r.statuses.join(", "),
  methods: [...r.methods],
  backoffMs: String(r.backoffMs),
  maxBackoffMs: String(r.maxBackoffMs),
  budgetPercent: String(r.budgetPercent),
  minRetryConcurrency: String(r.minRetryConcurrency),
});
const fallbackDraft = (f: Route["fallback"], enabled: boolean): FallbackDraft => {
  const v = f ?? FallbackSchema.parse({});
  return { enabled, status: String(v.status), headers: Object.entries(v.headers).map(([name, value]) => ({ key: nextKey++, name, value })), body: v.body, lastGood: v.lastGood };
};
// A policy switched on starts from the schema's own defaults, so the form never disagrees with the server.
const RATE_DEFAULTS = RateLimitSchema.parse({});
const FAULT_DEFAULTS = FaultsSchema.parse({ abort: {}, delay: {} });
const rateLimitDraft = (r: Route["rateLimit"]): RateLimitDraft => {
  const v = r ?? RATE_DEFAULTS;
  return { enabled: r !== null, requests: String(v.requests), windowMs: String(v.windowMs), by: v.by, header: v.header };
};
const splitDraft = (s: Route["split"]): SplitDraft => ({
  enabled: s !== null,
  service: s?.service ?? "",
  percent: String(s?.percent ?? 0),
  headerEnabled: !!s?.header,
  headerName: s?.header?.name ?? "",
  headerValue: s?.header?.value ?? "",
});
const faultsDraft = (f: Route["faults"]): FaultsDraft => {
  const abort = f?.abort ?? FAULT_DEFAULTS.abort!;
  const delay = f?.delay ?? FAULT_DEFAULTS.delay!;
  return {
    enabled: f !== null,
    abort: !!f?.abort,
    abortPercent: String(abort.percent),
    abortStatus: String(abort.status),
    delay: !!f?.delay,
    delayPercent: String(delay.percent),
    delayMs: String(delay.ms),
  };
};

export const blankRoute = (service = ""): RouteDraft => ({
  name: "",
  hosts: "",
  path: "/",
  pathType: "prefix",
  methods: [],
  service,
  stripPrefix: false,
  connectMs: String(DEFAULT_TIMEOUTS.connectMs),
  responseHeaderMs: String(DEFAULT_TIMEOUTS.responseHeaderMs),
  totalMs: String(DEFAULT_TIMEOUTS.totalMs),
  priority: "normal",
  maxBodyBytes: "",
  retries: retriesDraft(DEFAULT_RETRIES),
  fallback: fallbackDraft(null, false),
  rateLimit: rateLimitDraft(null),
  split: splitDraft(null),
  faults: faultsDraft(null),
  access: accessDraft(null),
});

// Routes saved before a policy existed lack its field; they read as the schema's default.
export const fromRoute = (r: Route): RouteDraft => ({
  name: r.name,
  hosts: r.hosts.join(", "),
  path: r.path,
  pathType: r.pathType,
  methods: [...r.methods],
  service: r.service,
  stripPrefix: r.stripPrefix,
  connectMs: String(r.timeouts.connectMs),
  responseHeaderMs: String(r.timeouts.responseHeaderMs),
  totalMs: String(r.timeouts.totalMs),
  priority: r.priority ?? "normal",
  maxBodyBytes: r.maxBodyBytes == null ? "" : String(r.maxBodyBytes),
  retries: retriesDraft(r.retries ?? DEFAULT_RETRIES),
  fallback: fallbackDraft(r.fallback ?? null, !!r.fallback),
  rateLimit: rateLimitDraft(r.rateLimit ?? null),
  split: splitDraft(r.split ?? null),
  faults: faultsDraft(r.faults ?? null),
  access: accessDraft(r),
});

// Blank number fields are left out so the schema's defaults apply; anything else goes as typed and the server judges it.
const num = (v: string) => (v.trim() === "" ? undefined : Number(v));
// null means "no limit" here, so text that is not a number must reach the server as text, not as null (JSON's NaN).
const bodyLimit = (v: string) => (v.trim() === "" ? null : Number.isFinite(Number(v)) ? Number(v) : v);
const list = (v: string) =>
  v
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);

/**
 * Header rows become the record the schema expects. Two rows with one name (HTTP names ignore case) would
 * silently collapse into one, so that is refused here, in the server's error shape, at the second row.
 */
function fallbackHeaders(rows: HeaderDraft[]): Record<string, string> {
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const row of rows) {
    const name = row.name.trim();
    if (name === "" && row.value === "") continue;
    if (seen.has(name.toLowerCase())) {
      throw new ApiError(422, "VALIDATION_FAILED", "the fallback lists a header twice", [{ path: `fallback.headers.${name}`, message: "is listed twice" }]);
    }
    seen.add(name.toLowerCase());
    headers[name] = row.value;
  }
  return headers;
}

export const toRouteBody = (d: RouteDraft) => ({
  name: d.name.trim(),
  hosts: d.hosts
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean),
  path: d.path.trim(),
  pathType: d.pathType,
  methods: HTTP_METHODS.filter((m) => d.methods.includes(m)),
  service: d.service,
  stripPrefix: d.stripPrefix,
  timeouts: { connectMs: num(d.connectMs), responseHeaderMs: num(d.responseHeaderMs), totalMs: num(d.totalMs) },
  priority: d.priority,
  maxBodyBytes: bodyLimit(d.maxBodyBytes),
  retries: {
    ...Object.fromEntries(RETRY_NUMBER_FIELDS.map((k) => [k, num(d.retries[k])])),
    statuses: list(d.retries.statuses),
    // In the order saved (checking one appends it), so opening and saving a route changes nothing.
    methods: d.retries.methods,
  },
  fallback: d.fallback.enabled ? { status: num(d.fallback.status), headers: fallbackHeaders(d.fallback.headers), body: d.fallback.body, lastGood: d.fallback.lastGood } : null,
  rateLimit: d.rateLimit.enabled
    ? { requests: num(d.rateLimit.requests), windowMs: num(d.rateLimit.windowMs), by: d.rateLimit.by, header: d.rateLimit.by === "header" ? d.rateLimit.header.trim() : "" }
    : null,
  split: d.split.enabled ? { service: d.split.service, percent: num(d.split.percent), header: d.split.headerEnabled ? { name: d.split.headerName.trim(), value: d.split.headerValue } : null } : null,
  faults: d.faults.enabled
    ? {
        abort: d.faults.abort ? { percent: num(d.faults.abortPercent), status: num(d.faults.abortStatus) } : null,
        delay: d.faults.delay ? { percent: num(d.faults.delayPercent), ms: num(d.faults.delayMs) } : null,
      }
    : null,
  ...toAccessBody(d.access),
});

/** A fallback header error is about the name when the name itself is not a header name, else about the value. */
export const headerNameIsValid = (name: string) => HeaderNameSchema.safeParse(name.trim()).success;

/**
 * The error paths the form shows at an input, given what is on screen now; the banner lists every other one, so
 * no server message is lost (for example a `rateLimit.header` error after switching back to counting by IP).
 */
export const routeErrorPaths = (d: RouteDraft) => {
  const exact = new Set(["name", "hosts", "path", "pathType", "methods", "service", "stripPrefix", "priority", "maxBodyBytes", "timeouts", "fallback", "rateLimit", "split", "faults", "retries"]);
  const access = accessErrorPaths(d.access);
  access.exact.forEach((p) => exact.add(p));
  const under = ["hosts", "methods", "retries.statuses", "retries.methods", ...access.under];
  const add = (base: string, fields: string[]) => fields.forEach((f) => exact.add(`${base}.${f}`));
  add("timeouts", ["connectMs", "responseHeaderMs", "totalMs"]);
  add("retries", [...RETRY_NUMBER_FIELDS, "statuses", "methods"]);
  if (d.fallback.enabled) {
    add("fallback", ["status", "headers", "body", "lastGood"]);
    add(
      "fallback.headers",
      d.fallback.headers.map((h) => h.name.trim()),
    );
  }
  if (d.rateLimit.enabled) add("rateLimit", d.rateLimit.by === "header" ? ["requests", "windowMs", "by", "header"] : ["requests", "windowMs", "by"]);
  if (d.split.enabled) {
    add("split", ["service", "percent", "header"]);
    if (d.split.headerEnabled) add("split.header", ["name", "value"]);
  }
  if (d.faults.enabled) {
    add("faults", ["abort", "delay"]);
    if (d.faults.abort) add("faults.abort", ["percent", "status"]);
    if (d.faults.delay) add("faults.delay", ["percent", "ms"]);
  }
  return (p: string) => exact.has(p) || under.some((b) => p.startsWith(`${b}.`));
};
