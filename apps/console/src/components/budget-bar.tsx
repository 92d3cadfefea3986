import { formatPercent } from "@/lib/format-observability";

/** Budget left as a bar that empties; "exhausted" past zero, with how far over. */
export function BudgetBar({ remaining, noData }: { remaining: number; noData?: boolean }) {
  const tone = remaining <= 0 ? "bad" : remaining < 0.25 ? "warn" : "good";
  return (
    <div className="budget">
      <div className="budget-track">
        <div className={`budget-fill ${tone}`} style={{ width: `${Math.max(0, Math.min(1, remaining)) * 100}%` }} />
      </div>
      <span className={`budget-text ${tone}`}>{noData ? "100% (no traffic)" : remaining <= 0 ? `exhausted (${formatPercent(remaining, 0)})` : formatPercent(remaining, 1)}</span>
    </div>
  );
}
