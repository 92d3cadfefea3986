"use client";

import type { ReactNode } from "react";
import { Area, Bar, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatInstant, formatTick, timeTicks } from "@/lib/format-observability";

export interface Series {
  key: string;
  label: string;
  color: string;
  kind?: "line" | "area" | "bar";
  /** Bars with the same stack id pile up. */
  stack?: string;
  dashed?: boolean;
}

export interface Reference {
  y: number;
  label: string;
  color: string;
  /** Where the label sits: above the line by default, "below" when the line is near the top of the chart. */
  labelAt?: "above" | "below";
}

/**
 * A chart over time for the dashboards: round UTC ticks, no animation (deterministic screenshots), gaps where a
 * bucket has no data, and a sentence instead of an empty frame when there is nothing to draw.
 */
export function TimeSeriesChart(props: {
  testId: string;
  title: string;
  subtitle?: ReactNode;
  data: Record<string, number | null>[];
  from: number;
  to: number;
  series: Series[];
  yFormat: (v: number) => string;
  yDomain?: [number, number];
  /** Tick positions for the value axis; round numbers read better than the library's even split of odd domains. */
  yTicks?: number[];
  references?: Reference[];
  isEmpty: boolean;
  emptyText: string;
  height?: number;
}) {
  const height = props.height ?? 220;
  const span = props.to - props.from;
  return (
    <figure className="card chart-card" data-testid={props.testId} data-empty={props.isEmpty || undefined}>
      <figcaption>
        <span className="chart-title">{props.title}</span>
        {props.subtitle && <span className="chart-subtitle">{props.subtitle}</span>}
      </figcaption>
      {props.isEmpty ? (
        <div className="chart-empty" style={{ height }} data-testid={`${props.testId}-empty`}>
          {props.emptyText}
        </div>
      ) : (
        <div className="chart-body" style={{ height }}>
          <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 520, height }}>
            <ComposedChart data={props.data} margin={{ top: 8, right: 16, bottom: 0, left: 4 }}>
              <CartesianGrid stroke="#e2e8f0" vertical={false} />
              <XAxis
                dataKey="t"
                type="number"
                scale="time"
                domain={[props.from, props.to]}
                ticks={timeTicks(props.from, props.to)}
                tickFormatter={(t: number) => formatTick(t, span)}
                tick={{ fontSize: 11, fill: "#64748b" }}
                tickLine={false}
                axisLine={{ stroke: "#cbd5e1" }}
                allowDataOverflow
              />
              <YAxis
                tickFormatter={props.yFormat}
                tick={{ fontSize: 11, fill: "#64748b" }}
                tickLine={false}
                axisLine={false}
                width={64}
                domain={props.yDomain ?? [0, "auto"]}
                ticks={props.yTicks}
                allowDataOverflow={!!props.yDomain}
              />
              <Tooltip
                isAnimationActive={false}
                labelFormatter={(t) => formatInstant(Number(t))}
                formatter={(v, name) => [typeof v === "number" ? props.yFormat(v) : "—", name]}
                contentStyle={{ fontSize: 12, borderRadius: 6, borderColor: "#cbd5e1" }}
              />
              {props.series.length > 1 && <Legend iconType="plainline" iconSize={14} itemSorter={null} wrapperStyle={{ fontSize: 12 }} />}
              {props.references?.map((r) => (
                <ReferenceLine
                  key={r.label}
                  y={r.y}
                  stroke={r.color}
                  strokeDasharray="5 4"
                  ifOverflow="extendDomain"
                  label={{ value: r.label, position: r.labelAt === "below" ? "insideTopRight" : "insideBottomRight", fill: r.color, fontSize: 11 }}
                />
              ))}
              {props.series.map((s) => {
                const common = { dataKey: s.key, name: s.label, isAnimationActive: false };
                if (s.kind === "bar") return <Bar key={s.key} {...common} fill={s.color} stackId={s.stack} maxBarSize={18} />;
                if (s.kind === "area") {
                  return (
                    <Area
                      key={s.key}
                      {...common}
                      type="linear"
                      stackId={s.stack}
                      stroke={s.color}
                      fill={s.color}
                      fillOpacity={s.stack ? 0.35 : 0.15}
                      strokeWidth={1.5}
                      dot={false}
                      connectNulls={false}
                    />
                  );
                }
                return <Line key={s.key} {...common} type="linear" stroke={s.color} strokeWidth={1.6} strokeDasharray={s.dashed ? "4 3" : undefined} dot={false} connectNulls={false} />;
              })}
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
