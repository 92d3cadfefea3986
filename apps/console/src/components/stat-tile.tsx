import type { ReactNode } from "react";

/** One headline number of a dashboard, with what it means underneath. */
export function StatTile({ label, value, note, tone, testId }: { label: string; value: ReactNode; note?: ReactNode; tone?: "bad" | "warn" | "good"; testId?: string }) {
  return (
    <div className={`card stat-tile${tone ? ` ${tone}` : ""}`} data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {note && <div className="stat-note">{note}</div>}
    </div>
  );
}
