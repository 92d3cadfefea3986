import type { Slo } from "@/lib/observability";

/** How the SLO form holds an SLO while it is edited: numbers stay strings, the server judges what was typed. */
export interface SloDraft {
  name: string;
  description: string;
  targetKind: "route" | "service";
  targetName: string;
  indicator: "availability" | "latency";
  fallbacksCountAsGood: boolean;
  thresholdMs: string;
  objectivePercent: string;
  windowDays: "28" | "30";
  webhookUrl: string;
}

export const blankSlo = (targetName = ""): SloDraft => ({
  name: "",
  description: "",
  targetKind: "route",
  targetName,
  indicator: "availability",
  fallbacksCountAsGood: false,
  thresholdMs: "300",
  objectivePercent: "99.9",
  windowDays: "30",
  webhookUrl: "",
});

export const fromSlo = (s: Slo): SloDraft => ({
  name: s.name,
  description: s.description,
  targetKind: s.target.kind,
  targetName: s.target.name,
  indicator: s.indicator.type,
  fallbacksCountAsGood: s.indicator.type === "availability" && s.indicator.fallbacksCountAsGood,
  thresholdMs: s.indicator.type === "latency" ? String(s.indicator.thresholdMs) : "300",
  objectivePercent: String(s.objectivePercent),
  windowDays: String(s.windowDays) as SloDraft["windowDays"],
  webhookUrl: s.webhookUrl ?? "",
});

/** "" is left out (the server says it is required or fills its default); anything else is sent as a number. */
const num = (v: string) => (v.trim() === "" ? undefined : Number(v.trim()));

export const toSloBody = (d: SloDraft) => ({
  name: d.name.trim(),
  description: d.description,
  target: { kind: d.targetKind, name: d.targetName.trim() },
  indicator: d.indicator === "latency" ? { type: "latency", thresholdMs: num(d.thresholdMs) } : { type: "availability", fallbacksCountAsGood: d.fallbacksCountAsGood },
  objectivePercent: num(d.objectivePercent),
  windowDays: Number(d.windowDays),
  webhookUrl: d.webhookUrl.trim() === "" ? null : d.webhookUrl.trim(),
});

const KNOWN = new Set([
  "name",
  "description",
  "target.kind",
  "target.name",
  "target",
  "indicator",
  "indicator.type",
  "indicator.thresholdMs",
  "indicator.fallbacksCountAsGood",
  "objectivePercent",
  "windowDays",
  "webhookUrl",
]);
/** Error paths the form shows at an input; any other goes to the form's banner. */
export const sloErrorPaths = (p: string) => KNOWN.has(p);
