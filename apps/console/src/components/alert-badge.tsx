import { ALERT_LABEL, type AlertState } from "@/lib/observability";

/** An SLO's burn-rate alert state: OK, Ticket (slow burn) or Page (fast burn). */
export function AlertBadge({ state, noData, testId }: { state: AlertState; noData?: boolean; testId?: string }) {
  if (noData && state === "ok") {
    return (
      <span className="badge alert-nodata" data-testid={testId} data-state="no-data">
        No traffic
      </span>
    );
  }
  return (
    <span className={`badge alert-${state}`} data-testid={testId} data-state={state}>
      {ALERT_LABEL[state]}
    </span>
  );
}

/** A burn rate, red at the page thresholds' level, amber when it would spend the budget before the window ends. */
export function burnClass(rate: number | null): string {
  if (rate == null) return "burn none";
  return rate >= 6 ? "burn hot" : rate >= 1 ? "burn warm" : "burn";
}
