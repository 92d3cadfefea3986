"use client";

import { Bar, BarChart, CartesianGrid, Cell, Legend, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatBurn, formatPercent } from "@/lib/format-observability";
import type { SloReportJson } from "@/lib/observability";

const budgetColor = (left: number) => (left <= 0 ? "#dc2626" : left < 0.25 ? "#f59e0b" : "#22c55e");
const shortName = (name: string) => (name.length > 26 ? `${name.slice(0, 25)}…` : name);
const NAME_AXIS = { type: "category" as const, dataKey: "name", width: 190, tick: { fontSize: 12, fill: "#0f172a" }, tickLine: false, tickFormatter: shortName };
const BURN_CAP = 20;

/** Overview charts: each SLO's budget left and its 1h and 6h burn rates against the page thresholds, worst first. */
export function SloOverviewCharts({ reports }: { reports: SloReportJson[] }) {
  const withTraffic = reports.filter((r) => r.window.total > 0);
  const height = Math.max(140, withTraffic.length * 36 + 56);
  const budget = withTraffic.map((r) => ({ name: r.name, remaining: Math.max(-1, Math.min(1, r.budget.remainingFraction)), actual: r.budget.remainingFraction }));
  const burns = withTraffic.map((r) => ({ name: r.name, "1h": cap(r.burnRates["1h"]), "6h": cap(r.burnRates["6h"]), raw1h: r.burnRates["1h"], raw6h: r.burnRates["6h"] }));
  const capped = withTraffic.some((r) => (r.burnRates["1h"] ?? 0) > BURN_CAP || (r.burnRates["6h"] ?? 0) > BURN_CAP);
  const empty = (testId: string, title: string) => (
    <figure className="card chart-card" data-testid={testId} data-empty>
      <figcaption>
        <span className="chart-title">{title}</span>
      </figcaption>
      <div className="chart-empty" style={{ height: 140 }} data-testid={`${testId}-empty`}>
        No traffic has reached any SLO&apos;s route or service in its window yet.
      </div>
    </figure>
  );
  if (!withTraffic.length) {
    return (
      <div className="chart-grid">
        {empty("chart-budget", "Error budget remaining")}
        {empty("chart-burn", "Burn rate")}
      </div>
    );
  }
  return (
    <div className="chart-grid">
      <figure className="card chart-card" data-testid="chart-budget">
        <figcaption>
          <span className="chart-title">Error budget remaining</span>
          <span className="chart-subtitle">share of each SLO&apos;s window budget left; below 0 the SLO is broken</span>
        </figcaption>
        <div className="chart-body" style={{ height }}>
          <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 520, height }}>
            <BarChart data={budget} layout="vertical" margin={{ top: 4, right: 24, bottom: 0, left: 8 }}>
              <CartesianGrid stroke="#e2e8f0" horizontal={false} />
              <XAxis type="number" domain={[-1, 1]} ticks={[-1, -0.5, 0, 0.5, 1]} tickFormatter={(v: number) => formatPercent(v, 0)} tick={{ fontSize: 11, fill: "#64748b" }} />
              <YAxis {...NAME_AXIS} />
              <Tooltip isAnimationActive={false} formatter={(_v, _n, item) => [formatPercent((item.payload as { actual: number }).actual, 1), "budget left"]} contentStyle={{ fontSize: 12 }} />
              <ReferenceLine x={0} stroke="#475569" />
              <Bar dataKey="remaining" isAnimationActive={false} maxBarSize={20}>
                {budget.map((b) => (
                  <Cell key={b.name} fill={budgetColor(b.actual)} />
                ))}
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        </div>
      </figure>
      <figure className="card chart-card" data-testid="chart-burn">
        <figcaption>
          <span className="chart-title">Burn rate, last 1 h and 6 h</span>
          <span className="chart-subtitle">pages at 14.4× (1 h) and 6× (6 h){capped ? `; bars capped at ${BURN_CAP}×` : ""}</span>
        </figcaption>
        <div className="chart-body" style={{ height }}>
          <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 520, height }}>
            <BarChart data={burns} layout="vertical" margin={{ top: 4, right: 24, bottom: 0, left: 8 }}>
              <CartesianGrid stroke="#e2e8f0" horizontal={false} />
              <XAxis type="number" domain={[0, BURN_CAP]} ticks={[0, 1, 6, 14.4, 20]} tickFormatter={(v: number) => `${v}×`} tick={{ fontSize: 11, fill: "#64748b" }} allowDataOverflow />
              <YAxis {...NAME_AXIS} />
              <Tooltip
                isAnimationActive={false}
                formatter={(_v, name, item) => [formatBurn((item.payload as Record<string, number | null>)[name === "1h" ? "raw1h" : "raw6h"]), `${name} burn`]}
                contentStyle={{ fontSize: 12 }}
              />
              <Legend iconSize={10} wrapperStyle={{ fontSize: 12 }} />
              <ReferenceLine x={14.4} stroke="#dc2626" strokeDasharray="4 3" />
              <ReferenceLine x={6} stroke="#ea580c" strokeDasharray="4 3" />
              <Bar dataKey="1h" fill="#2563eb" isAnimationActive={false} maxBarSize={12} />
              <Bar dataKey="6h" fill="#93c5fd" isAnimationActive={false} maxBarSize={12} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      </figure>
    </div>
  );
}

const cap = (v: number | null) => (v == null ? null : Math.min(v, BURN_CAP));
