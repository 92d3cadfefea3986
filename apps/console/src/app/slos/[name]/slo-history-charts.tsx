"use client";

import { TimeSeriesChart } from "@/components/charts/time-series-chart";
import { formatBurn, formatPercent, niceTicks } from "@/lib/format-observability";
import { BURN_THRESHOLDS, type SloHistoryJson, type SloReportJson } from "@/lib/observability";

const RANGE_WORDS: Record<string, string> = { "1h": "hour", "6h": "6 hours", "24h": "24 hours", "7d": "7 days", "30d": "30 days" };
const BURN_AXIS_CAP = 60;

/** The SLO detail charts: SLI against the objective, budget burn-down over the window, burn rate against the alert thresholds. */
export function SloHistoryCharts({ history, report, now }: { history: SloHistoryJson; report: SloReportJson; now: number }) {
  const objective = report.slo.objectivePercent / 100;
  const target = `${report.slo.target.kind} ${report.slo.target.name}`;
  const points = history.points;
  const from = points[0]?.t ?? now;
  const stepMs = history.bucketSeconds * 1000;
  const noTraffic = !points.some((p) => p.total > 0);
  const minSli = Math.min(objective, ...points.filter((p) => p.sli != null).map((p) => p.sli!));
  const sliAxis = niceTicks(Math.max(0, minSli - Math.max((1 - minSli) * 0.2, 0.0005)), 1, 4);
  const maxBurn = Math.max(0, ...points.map((p) => p.burnRate ?? 0));
  const burnAxis = niceTicks(0, Math.max(16, Math.min(maxBurn * 1.1, BURN_AXIS_CAP)), 4);

  const down = history.burnDown.points;
  const windowFrom = down[0]?.t ?? now;
  const windowEmpty = report.window.total === 0;
  const minLeft = Math.min(0, ...down.map((p) => p.remaining));
  const leftAxis = niceTicks(minLeft, 1, 4);

  return (
    <>
      <div className="chart-grid">
        <TimeSeriesChart
          testId="chart-sli"
          title="SLI over time"
          subtitle={`per ${formatStep(stepMs)}, against the ${report.slo.objectivePercent}% objective`}
          data={points.map((p) => ({ t: p.t, sli: p.sli }))}
          from={from}
          to={from + points.length * stepMs}
          series={[{ key: "sli", label: "SLI", color: "#2563eb" }]}
          references={[{ y: objective, label: `objective ${report.slo.objectivePercent}%`, color: "#16a34a", labelAt: "below" }]}
          yDomain={sliAxis.domain}
          yTicks={sliAxis.ticks}
          yFormat={(v) => formatPercent(v, 3)}
          isEmpty={noTraffic}
          emptyText={`No requests reached ${target} in the last ${RANGE_WORDS[history.range]}.`}
        />
        <TimeSeriesChart
          testId="chart-burn-rate"
          title="Burn rate"
          subtitle={`per ${formatStep(stepMs)}; 1× spends the budget in exactly ${report.slo.windowDays} days${maxBurn > BURN_AXIS_CAP ? `; axis capped at ${BURN_AXIS_CAP}×` : ""}`}
          data={points.map((p) => ({ t: p.t, burnRate: p.burnRate }))}
          from={from}
          to={from + points.length * stepMs}
          series={[{ key: "burnRate", label: "burn rate", color: "#7c3aed" }]}
          references={BURN_THRESHOLDS.map((b) => ({ y: b.value, label: b.label, color: b.color }))}
          yDomain={burnAxis.domain}
          yTicks={burnAxis.ticks}
          yFormat={(v) => formatBurn(v)}
          isEmpty={noTraffic}
          emptyText={`No requests, so no budget burnt, in the last ${RANGE_WORDS[history.range]}.`}
        />
      </div>
      <TimeSeriesChart
        testId="chart-burn-down"
        title="Error budget burn-down"
        subtitle={`share of the ${report.slo.windowDays}-day window's budget left, per 2 hours; below 0 the SLO is broken`}
        data={down.map((p) => ({ t: p.t, remaining: p.remaining }))}
        from={windowFrom}
        to={now}
        series={[{ key: "remaining", label: "budget left", color: minLeft < 0 ? "#dc2626" : "#0891b2", kind: "area" }]}
        references={[{ y: 0, label: "budget exhausted", color: "#475569" }]}
        yDomain={leftAxis.domain}
        yTicks={leftAxis.ticks}
        yFormat={(v) => formatPercent(v, 0)}
        isEmpty={windowEmpty}
        emptyText={`No traffic in the ${report.slo.windowDays}-day window yet: the whole error budget is left.`}
        height={200}
      />
    </>
  );
}

function formatStep(ms: number): string {
  return ms >= 3_600_000 ? `${ms / 3_600_000} h` : `${ms / 60_000} min`;
}
