/** The burn-rate windows Bulwark computes for every SLO. */
export const BURN_WINDOWS = ["5m", "30m", "1h", "6h", "3d"] as const;
export type BurnWindow = (typeof BURN_WINDOWS)[number];

export const BURN_WINDOW_MS: Record<BurnWindow, number> = {
  "5m": 5 * 60_000,
  "30m": 30 * 60_000,
  "1h": 60 * 60_000,
  "6h": 6 * 60 * 60_000,
  "3d": 3 * 24 * 60 * 60_000,
};

export type AlertSeverity = "page" | "ticket";

export interface BurnRateRule {
  severity: AlertSeverity;
  /** Both windows must burn faster than threshold: the long one proves it matters, the short one that it is still happening. */
  longWindow: BurnWindow;
  shortWindow: BurnWindow;
  threshold: number;
}

/** Multi-window, multi-burn-rate alerts from Google's SRE workbook (chapter "Alerting on SLOs"), for a 30-day SLO. */
export const SRE_WORKBOOK_RULES: readonly BurnRateRule[] = [
  { severity: "page", longWindow: "1h", shortWindow: "5m", threshold: 14.4 },
  { severity: "page", longWindow: "6h", shortWindow: "30m", threshold: 6 },
  { severity: "ticket", longWindow: "3d", shortWindow: "6h", threshold: 1 },
];

export type AlertState = "ok" | AlertSeverity;

export interface AlertEvaluation {
  state: AlertState;
  firing: BurnRateRule[];
}

/** Which rules fire for the given burn rates (null = no traffic in that window, which never fires). */
export function evaluateBurnRateAlerts(rates: Partial<Record<BurnWindow, number | null>>, rules: readonly BurnRateRule[] = SRE_WORKBOOK_RULES): AlertEvaluation {
  const firing = rules.filter((r) => {
    const long = rates[r.longWindow];
    const short = rates[r.shortWindow];
    return long != null && short != null && long >= r.threshold && short >= r.threshold;
  });
  const state: AlertState = firing.some((r) => r.severity === "page") ? "page" : firing.length ? "ticket" : "ok";
  return { state, firing };
}
