import type { Slo, TimeRange } from "@bulwark/config/slo";
import type { AlertState, SloAlertEventView, SloHistory, SloReport } from "@bulwark/db/slos";
import type { SpanRow, TraceSummary } from "@bulwark/db/traces";
import type { TrafficSeries } from "@bulwark/db/traffic";
import type { Jsonify } from "./api";

/** The JSON the observability endpoints answer (dates as ISO strings, times in series as epoch milliseconds). */
export type SloReportJson = Jsonify<SloReport>;
export type SloHistoryJson = Jsonify<SloHistory> & { range: TimeRange };
export type AlertEventJson = Jsonify<SloAlertEventView>;
export type TrafficSeriesJson = Jsonify<TrafficSeries> & { range: TimeRange };
export type TraceSummaryJson = Jsonify<TraceSummary>;
export type SpanJson = Jsonify<SpanRow>;
export type { AlertState, Slo, TimeRange };

export const obsKeys = {
  overview: ["overview"] as const,
  slos: ["slos"] as const,
  status: (name: string) => ["slo", name, "status"] as const,
  history: (name: string, range: TimeRange) => ["slo", name, "history", range] as const,
  alerts: (name: string) => ["slo", name, "alerts"] as const,
  traffic: (scope: string, name: string, range: TimeRange) => ["traffic", scope, name, range] as const,
  traces: (filter: object) => ["traces", filter] as const,
};

/** Dashboards refresh themselves this often. */
export const POLL_MS = 5_000;

/** The SRE workbook's burn-rate thresholds, drawn on burn-rate charts. */
export const BURN_THRESHOLDS = [
  { value: 14.4, label: "14.4× page (1h)", color: "#dc2626" },
  { value: 6, label: "6× page (6h)", color: "#ea580c" },
  { value: 1, label: "1× ticket (3d)", color: "#ca8a04" },
] as const;

export const ALERT_LABEL: Record<AlertState, string> = { ok: "OK", ticket: "Ticket", page: "Page" };
