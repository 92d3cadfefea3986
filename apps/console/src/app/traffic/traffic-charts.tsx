"use client";

import { TimeSeriesChart } from "@/components/charts/time-series-chart";
import { formatCount, formatLatency, formatPercent, formatRate } from "@/lib/format-observability";
import type { TrafficSeriesJson } from "@/lib/observability";

const RANGE_WORDS: Record<string, string> = { "1h": "hour", "6h": "6 hours", "24h": "24 hours", "7d": "7 days", "30d": "30 days" };

/** The four traffic charts; each says so in a sentence when its range holds no traffic. */
export function TrafficCharts({ series }: { series: TrafficSeriesJson }) {
  const stepMs = series.bucketSeconds * 1000;
  const to = series.from + series.points.length * stepMs;
  const empty = series.totals.requests === 0;
  const who = `${series.scope.kind} ${series.scope.name}`;
  const emptyText = `No requests to ${who} in the last ${RANGE_WORDS[series.range]}.`;
  const per = stepMs >= 3_600_000 ? `${stepMs / 3_600_000} h` : `${stepMs / 60_000} min`;
  const common = { from: series.from, to, isEmpty: empty, emptyText };
  const data = series.points.map((p) => ({ ...p, errorRate: p.errorRate }));
  const protective = series.totals.fallbacks + series.totals.shed + series.totals.rateLimited;
  return (
    <div className="chart-grid">
      <TimeSeriesChart
        {...common}
        testId="chart-rps"
        title="Requests per second"
        subtitle={`average per ${per}`}
        data={data}
        series={[{ key: "rps", label: "requests/s", color: "#2563eb", kind: "area" }]}
        yFormat={formatRate}
      />
      <TimeSeriesChart
        {...common}
        testId="chart-error-rate"
        title="Error rate"
        subtitle="share of 5xx answers"
        data={data}
        series={[{ key: "errorRate", label: "error rate", color: "#dc2626" }]}
        yFormat={(v) => formatPercent(v, 1)}
      />
      <TimeSeriesChart
        {...common}
        testId="chart-latency"
        title="Latency"
        subtitle="percentiles of the merged histograms"
        data={data}
        series={[
          { key: "p50", label: "p50", color: "#16a34a" },
          { key: "p95", label: "p95", color: "#d97706" },
          { key: "p99", label: "p99", color: "#dc2626" },
        ]}
        yFormat={formatLatency}
      />
      <TimeSeriesChart
        {...common}
        testId="chart-protective"
        title="Fallbacks, shed and rate-limited"
        subtitle={`answers per ${per}`}
        data={data}
        isEmpty={empty || protective === 0}
        emptyText={empty ? emptyText : `No fallback, shed or rate-limited answers in the last ${RANGE_WORDS[series.range]}.`}
        series={[
          { key: "fallbacks", label: "fallbacks", color: "#7c3aed", kind: "area", stack: "p" },
          { key: "shed", label: "shed", color: "#ea580c", kind: "area", stack: "p" },
          { key: "rateLimited", label: "rate-limited", color: "#0891b2", kind: "area", stack: "p" },
        ]}
        yFormat={formatCount}
      />
    </div>
  );
}
