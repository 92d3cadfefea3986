import { CircuitBreakerSchema, type HASH_SOURCES, type LoadBalancing } from "@bulwark/config/schema";
import type { Service } from "@/lib/api";

/** How the service form holds a service while it is edited: number fields stay strings, the server judges them. */
export interface TargetDraft {
  key: number;
  address: string;
  weight: string;
}
export interface ServiceDraft {
  name: string;
  description: string;
  targets: TargetDraft[];
  algorithm: LoadBalancing["algorithm"];
  hashSource: (typeof HASH_SOURCES)[number];
  hashName: string;
  healthCheck: { enabled: boolean; path: string; intervalMs: string; timeoutMs: string; healthyThreshold: string; unhealthyThreshold: string; expectedStatuses: string };
  outlierDetection: { enabled: boolean; consecutiveFailures: string; baseEjectionMs: string; maxEjectionMs: string; maxEjectionPercent: string };
  circuitBreaker: { enabled: boolean } & Record<BreakerField, string>;
}
export type BreakerField = keyof typeof CircuitBreakerSchema.shape;

const HEALTH_DEFAULTS = { enabled: false, path: "/health", intervalMs: "5000", timeoutMs: "2000", healthyThreshold: "2", unhealthyThreshold: "3", expectedStatuses: "200" };
const OUTLIER_DEFAULTS = { enabled: false, consecutiveFailures: "5", baseEjectionMs: "30000", maxEjectionMs: "300000", maxEjectionPercent: "50" };
const strings = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)])) as Record<keyof T, string>;
// The schema's own defaults, so the form never disagrees with what the server would fill in.
const BREAKER_DEFAULTS = { enabled: false, ...strings(CircuitBreakerSchema.parse({})) };

/** "" keeps the server's default; anything else is sent as a number (NaN becomes null: "must be a number"). */
const num = (v: string) => (v.trim() === "" ? undefined : Number(v));
const numbers = <T extends string>(d: Record<T, string>, keys: readonly T[]) => Object.fromEntries(keys.map((k) => [k, num(d[k])])) as Record<T, number | undefined>;

let nextKey = 1;
export const blankTarget = (): TargetDraft => ({ key: nextKey++, address: "", weight: "100" });
export const blankService = (): ServiceDraft => ({
  name: "",
  description: "",
  targets: [blankTarget()],
  algorithm: "round-robin",
  hashSource: "header",
  hashName: "",
  healthCheck: { ...HEALTH_DEFAULTS },
  outlierDetection: { ...OUTLIER_DEFAULTS },
  circuitBreaker: { ...BREAKER_DEFAULTS },
});

export const fromService = (s: Service): ServiceDraft => ({
  name: s.name,
  description: s.description,
  targets: s.targets.map((t) => ({ key: nextKey++, address: t.address, weight: String(t.weight) })),
  algorithm: s.loadBalancing?.algorithm ?? "round-robin",
  hashSource: s.loadBalancing?.hashOn?.source ?? "header",
  hashName: s.loadBalancing?.hashOn?.name ?? "",
  healthCheck: s.healthCheck ? { enabled: true, ...strings(s.healthCheck), expectedStatuses: s.healthCheck.expectedStatuses.join(", ") } : { ...HEALTH_DEFAULTS },
  outlierDetection: s.outlierDetection ? { enabled: true, ...strings(s.outlierDetection) } : { ...OUTLIER_DEFAULTS },
  circuitBreaker: s.circuitBreaker ? { enabled: true, ...strings(s.circuitBreaker) } : { ...BREAKER_DEFAULTS },
});

const BREAKER_FIELDS = Object.keys(CircuitBreakerSchema.shape) as BreakerField[];

export const toServiceBody = (d: ServiceDraft) => ({
  name: d.name.trim(),
  description: d.description,
  targets: d.targets.map((t) => ({ address: t.address.trim(), ...(t.weight.trim() === "" ? {} : { weight: Number(t.weight) }) })),
  loadBalancing: {
    algorithm: d.algorithm,
    hashOn: d.algorithm === "consistent-hash" ? { source: d.hashSource, name: d.hashSource === "ip" ? "" : d.hashName.trim() } : null,
  },
  healthCheck: d.healthCheck.enabled
    ? {
        path: d.healthCheck.path.trim(),
        ...numbers(d.healthCheck, ["intervalMs", "timeoutMs", "healthyThreshold", "unhealthyThreshold"]),
        expectedStatuses: d.healthCheck.expectedStatuses
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean)
          .map(Number),
      }
    : null,
  outlierDetection: d.outlierDetection.enabled ? numbers(d.outlierDetection, ["consecutiveFailures", "baseEjectionMs", "maxEjectionMs", "maxEjectionPercent"]) : null,
  circuitBreaker: d.circuitBreaker.enabled ? numbers(d.circuitBreaker, BREAKER_FIELDS) : null,
});

/** Error paths the form shows at an input; any other goes to the form's banner, so no server message is lost. */
export const serviceErrorPaths = (d: ServiceDraft) => (p: string) =>
  p === "name" ||
  p === "description" ||
  p === "targets" ||
  /^targets\.\d+(\.(address|weight))?$/.test(p) ||
  p === "loadBalancing.algorithm" ||
  p === "loadBalancing" ||
  (d.algorithm === "consistent-hash" && (p === "loadBalancing.hashOn" || (d.hashSource !== "ip" && p === "loadBalancing.hashOn.name"))) ||
  (d.healthCheck.enabled && /^healthCheck\.\w+(\.\d+)?$/.test(p)) ||
  (d.outlierDetection.enabled && /^outlierDetection\.\w+$/.test(p)) ||
  p === "circuitBreaker" ||
  (d.circuitBreaker.enabled && /^circuitBreaker\.\w+$/.test(p));
