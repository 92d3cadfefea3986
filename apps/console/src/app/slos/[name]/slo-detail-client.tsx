"use client";

import { useCan } from "@/components/providers";
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { TimeRange } from "@bulwark/config/slo";
import { AlertBadge, burnClass } from "@/components/alert-badge";
import { BudgetBar } from "@/components/budget-bar";
import { DeleteButton } from "@/components/form-bits";
import { Notice } from "@/components/page-head";
import { RangeSelect } from "@/components/range-select";
import { StatTile } from "@/components/stat-tile";
import { api, formatTime } from "@/lib/api";
import { formatBurn, formatCount, formatPercent } from "@/lib/format-observability";
import { ALERT_LABEL, obsKeys, POLL_MS, type AlertEventJson, type SloHistoryJson, type SloReportJson } from "@/lib/observability";
import { SloForm } from "../slo-form";
import { SloHistoryCharts } from "./slo-history-charts";

const WINDOWS = ["5m", "30m", "1h", "6h", "3d"] as const;

/** One SLO: where it stands, its history and its alerts; edit and delete. */
export function SloDetailClient(props: { initial: { report: SloReportJson; history: SloHistoryJson; alerts: AlertEventJson[] }; routes: string[]; services: string[] }) {
  const canEdit = useCan("operator");
  const name = props.initial.report.name;
  const router = useRouter();
  const [range, setRange] = useState<TimeRange>(props.initial.history.range);
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const path = `/slos/${encodeURIComponent(name)}`;
  const status = useQuery({ queryKey: obsKeys.status(name), queryFn: () => api<SloReportJson>(`${path}/status`), initialData: props.initial.report, refetchInterval: POLL_MS });
  const history = useQuery({
    queryKey: obsKeys.history(name, range),
    queryFn: () => api<SloHistoryJson>(`${path}/history?range=${range}`),
    initialData: range === props.initial.history.range ? props.initial.history : undefined,
    placeholderData: (previous) => previous,
    refetchInterval: POLL_MS,
  });
  const alerts = useQuery({ queryKey: obsKeys.alerts(name), queryFn: () => api<AlertEventJson[]>(`${path}/alerts`), initialData: props.initial.alerts, refetchInterval: POLL_MS });
  const remove = useMutation({ mutationFn: () => api<void>(path, { method: "DELETE" }), onSuccess: () => router.push("/slos"), onError: (e) => setNotice({ ok: false, text: e.message }) });

  const r = status.data;
  const noData = r.window.total === 0;
  const left = r.budget.remainingFraction;
  return (
    <section>
      <div className="page-head">
        <div>
          <div className="breadcrumb">
            <Link href="/slos">SLO overview</Link> /
          </div>
          <h1 className="title-with-badge">
            <span className="mono">{name}</span> <AlertBadge state={r.alert} noData={noData} testId="slo-alert" />
          </h1>
          <p className="muted">
            {r.slo.indicator.type === "latency"
              ? `${r.slo.objectivePercent}% of answers under ${r.slo.indicator.thresholdMs} ms`
              : `${r.slo.objectivePercent}% of answers not 5xx${r.slo.indicator.fallbacksCountAsGood ? " (fallbacks count as good)" : ""}`}{" "}
            from {r.slo.target.kind} <span className="mono">{r.slo.target.name}</span>, over a rolling {r.slo.windowDays} days.
            {r.slo.description && ` ${r.slo.description}`}
          </p>
        </div>
        {canEdit && (
          <div className="head-actions">
            <button type="button" className="btn" data-testid="edit-slo" onClick={() => setEditing(true)}>
              Edit
            </button>
            <DeleteButton testId="delete-slo" disabled={remove.isPending} onConfirm={() => remove.mutate()} />
          </div>
        )}
      </div>
      <Notice notice={notice} />
      {editing && (
        <SloForm
          editing={r.slo}
          routes={props.routes}
          services={props.services}
          onCancel={() => setEditing(false)}
          onSaved={(slo) => {
            setEditing(false);
            if (slo.name !== name) router.replace(`/slos/${encodeURIComponent(slo.name)}`);
            else setNotice({ ok: true, text: `Saved SLO ${slo.name}.` });
          }}
        />
      )}
      <div className="tiles">
        <StatTile
          testId="tile-sli"
          label={`SLI, ${r.slo.windowDays} days`}
          value={formatPercent(r.budget.sli, 3)}
          note={`objective ${r.slo.objectivePercent}%`}
          tone={noData ? undefined : (r.budget.sli ?? 1) >= r.slo.objectivePercent / 100 ? "good" : "bad"}
        />
        <StatTile
          testId="tile-budget"
          label="Error budget left"
          value={<BudgetBar remaining={left} noData={noData} />}
          note={`${formatCount(r.budget.spentBad)} bad of ${formatCount(r.budget.allowedBad >= 10 ? Math.round(r.budget.allowedBad) : Math.round(r.budget.allowedBad * 100) / 100)} allowed`}
        />
        <StatTile testId="tile-requests" label="Requests in window" value={formatCount(r.window.total)} note={`${formatCount(r.window.total - r.window.good)} bad`} />
        <StatTile
          testId="tile-alert"
          label="Alert state"
          value={ALERT_LABEL[r.alert]}
          tone={r.alert === "page" ? "bad" : r.alert === "ticket" ? "warn" : "good"}
          note={r.recorded.since ? `recorded ${r.recorded.state} since ${formatTime(r.recorded.since)}` : "no state change recorded yet"}
        />
      </div>
      <div className="card burn-table">
        <table className="table compact" data-testid="burn-rates">
          <thead>
            <tr>
              <th>Burn rate</th>
              {WINDOWS.map((w) => (
                <th key={w} className="num">
                  {w}
                </th>
              ))}
              <th>Rules firing</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td className="muted">bad share ÷ allowed share</td>
              {WINDOWS.map((w) => (
                <td key={w} className={`num ${burnClass(r.burnRates[w])}`} data-testid={`burn-${w}`}>
                  {formatBurn(r.burnRates[w])}
                </td>
              ))}
              <td data-testid="rules-firing">
                {r.firing.length === 0
                  ? "none"
                  : r.firing.map((f) => (
                      <span key={f.longWindow} className={`chip rule-${f.severity}`}>
                        {f.severity} {f.threshold}× over {f.longWindow} and {f.shortWindow}
                      </span>
                    ))}
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      <div className="section-head">
        <h2>History</h2>
        <RangeSelect value={range} onChange={setRange} />
      </div>
      {history.data && <SloHistoryCharts history={history.data} report={r} now={new Date(r.evaluatedAt).getTime()} />}
      <h2 className="section-title">Alert history</h2>
      <div className="card table-card">
        <table className="table" data-testid="alert-history">
          <thead>
            <tr>
              <th>When</th>
              <th>Change</th>
              {WINDOWS.map((w) => (
                <th key={w} className="num">
                  {w}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {alerts.data.length === 0 && (
              <tr>
                <td colSpan={7} className="empty">
                  No alert state changes yet. The console evaluates every SLO every 30 seconds.
                </td>
              </tr>
            )}
            {alerts.data.map((e) => (
              <tr key={e.id} data-testid="alert-event">
                <td className="nowrap">{formatTime(e.at)}</td>
                <td className="nowrap">
                  <AlertBadge state={e.previous} /> → <AlertBadge state={e.state} />
                </td>
                {WINDOWS.map((w) => (
                  <td key={w} className={`num ${burnClass(e.burnRates[w] ?? null)}`}>
                    {formatBurn(e.burnRates[w] ?? null)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
