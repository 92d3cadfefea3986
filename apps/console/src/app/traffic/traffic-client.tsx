"use client";

import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";
import type { TimeRange } from "@bulwark/config/slo";
import { PageHead } from "@/components/page-head";
import { RangeSelect } from "@/components/range-select";
import { StatTile } from "@/components/stat-tile";
import { api } from "@/lib/api";
import { formatCount, formatLatency, formatPercent, formatRate } from "@/lib/format-observability";
import { obsKeys, POLL_MS, type TrafficSeriesJson } from "@/lib/observability";
import { TrafficCharts } from "./traffic-charts";

type Scope = "route" | "service";

/** Traffic of one route or service over a range, refreshed every few seconds; the choice lives in the URL. */
export function TrafficClient(props: { routes: string[]; services: string[]; initial: { scope: Scope; name: string; range: TimeRange } }) {
  const router = useRouter();
  const pathname = usePathname();
  const [view, setView] = useState(props.initial);
  const update = (patch: Partial<typeof view>) => {
    const next = { ...view, ...patch };
    if (patch.scope && patch.scope !== view.scope) next.name = (patch.scope === "route" ? props.routes : props.services)[0] ?? "";
    setView(next);
    router.replace(`${pathname}?scope=${next.scope}&name=${encodeURIComponent(next.name)}&range=${next.range}`, { scroll: false });
  };
  const series = useQuery({
    queryKey: obsKeys.traffic(view.scope, view.name, view.range),
    queryFn: () => api<TrafficSeriesJson>(`/traffic?scope=${view.scope}&name=${encodeURIComponent(view.name)}&range=${view.range}`),
    enabled: view.name !== "",
    placeholderData: (previous) => previous,
    refetchInterval: POLL_MS,
  });
  const names = view.scope === "route" ? props.routes : props.services;
  const t = series.data?.totals;

  return (
    <section>
      <PageHead title="Traffic" description={`Requests, errors, latency and the gateway's protective answers, per ${view.scope}. Refreshes every ${POLL_MS / 1000} s.`} />
      <div className="toolbar">
        <div className="segmented" role="radiogroup" aria-label="Scope" data-testid="traffic-scope">
          {(["route", "service"] as const).map((s) => (
            <button key={s} type="button" role="radio" aria-checked={view.scope === s} className={view.scope === s ? "active" : undefined} onClick={() => update({ scope: s })}>
              {s === "route" ? "Route" : "Service"}
            </button>
          ))}
        </div>
        <label className="sr-only" htmlFor="traffic-name">
          {view.scope}
        </label>
        <select id="traffic-name" data-testid="traffic-name" value={view.name} onChange={(e) => update({ name: e.target.value })}>
          {!names.includes(view.name) && view.name !== "" && <option value={view.name}>{view.name}</option>}
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <span className="toolbar-spacer" />
        <RangeSelect value={view.range} onChange={(range) => update({ range })} />
      </div>
      {view.name === "" ? (
        <div className="card empty-card">No {view.scope}s yet: create one, publish it and send traffic through the gateway.</div>
      ) : series.error ? (
        <div className="banner error" role="alert">
          {series.error.message}
        </div>
      ) : !series.data ? (
        <div className="card empty-card">Loading…</div>
      ) : (
        <>
          <div className="tiles" data-testid="traffic-totals">
            <StatTile testId="total-requests" label="Requests" value={formatCount(t!.requests)} note={`${formatRate(t!.rps)} on average`} />
            <StatTile
              testId="total-error-rate"
              label="Error rate (5xx)"
              value={formatPercent(t!.errorRate, 2)}
              note={`${formatCount(t!.errors)} errors`}
              tone={(t!.errorRate ?? 0) >= 0.01 ? "bad" : undefined}
            />
            <StatTile testId="total-latency" label="Latency p50 / p95 / p99" value={`${formatLatency(t!.p50)} / ${formatLatency(t!.p95)}`} note={`p99 ${formatLatency(t!.p99)}`} />
            <StatTile
              testId="total-protective"
              label="Fallbacks · shed · rate-limited"
              value={`${formatCount(t!.fallbacks)} · ${formatCount(t!.shed)} · ${formatCount(t!.rateLimited)}`}
              note={`${formatCount(t!.rejected)} rejected`}
            />
          </div>
          <TrafficCharts series={series.data} />
        </>
      )}
    </section>
  );
}
