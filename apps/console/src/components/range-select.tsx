"use client";

import { TIME_RANGE_NAMES, type TimeRange } from "@bulwark/config/slo";

/** The dashboards' time range picker: 1h, 6h, 24h, 7d, 30d. */
export function RangeSelect({ value, onChange, testId = "range" }: { value: TimeRange; onChange: (r: TimeRange) => void; testId?: string }) {
  return (
    <div className="segmented" role="radiogroup" aria-label="Time range" data-testid={testId}>
      {TIME_RANGE_NAMES.map((r) => (
        <button key={r} type="button" role="radio" aria-checked={r === value} className={r === value ? "active" : undefined} data-testid={`${testId}-${r}`} onClick={() => onChange(r)}>
          {r}
        </button>
      ))}
    </div>
  );
}
