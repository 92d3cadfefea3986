"use client";

import { useCan } from "@/components/providers";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { AlertBadge, burnClass } from "@/components/alert-badge";
import { BudgetBar } from "@/components/budget-bar";
import { Notice, PageHead } from "@/components/page-head";
import { api } from "@/lib/api";
import { formatBurn, formatCount, formatPercent } from "@/lib/format-observability";
import { obsKeys, POLL_MS, type SloReportJson } from "@/lib/observability";
import { SloForm } from "./slo-form";
import { SloOverviewCharts } from "./slo-overview-charts";

const WINDOWS = ["5m", "30m", "1h", "6h", "3d"] as const;

/** SLO overview: every SLO with its status, SLI, budget left and burn rates, worst first, refreshed every few seconds. */
export function SlosClient(props: { initial: SloReportJson[]; routes: string[]; services: string[] }) {
  const canEdit = useCan("operator");
  const router = useRouter();
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const overview = useQuery({ queryKey: obsKeys.overview, queryFn: () => api<SloReportJson[]>("/overview"), initialData: props.initial, refetchInterval: POLL_MS });
  const reports = overview.data;
  const paging = reports.filter((r) => r.alert === "page").length;

  return (
    <section>
      <PageHead
        title="SLO overview"
        description={<>Every service-level objective, worst first: burn-rate alerts as in Google&apos;s SRE workbook. Refreshes every {POLL_MS / 1000} s.</>}
        action={
          canEdit && (
            <button
              type="button"
              className="btn primary"
              data-testid="new-slo"
              onClick={() => {
                setNotice(null);
                setCreating(true);
              }}
            >
              New SLO
            </button>
          )
        }
      />
      <Notice notice={notice} />
      {creating && (
        <SloForm
          routes={props.routes}
          services={props.services}
          onCancel={() => setCreating(false)}
          onSaved={(slo) => {
            setCreating(false);
            setNotice({ ok: true, text: `Created SLO ${slo.name}.` });
          }}
        />
      )}
      {paging > 0 && (
        <div className="banner error" role="alert" data-testid="overview-paging">
          <strong>
            {paging} SLO{paging === 1 ? " is" : "s are"} burning error budget fast enough to page.
          </strong>
        </div>
      )}
      {reports.length > 0 && <SloOverviewCharts reports={reports} />}
      <div className="card table-card">
        <table className="table" data-testid="slo-table">
          <thead>
            <tr>
              <th rowSpan={2}>SLO</th>
              <th rowSpan={2}>Status</th>
              <th rowSpan={2} className="num">
                SLI / objective
              </th>
              <th rowSpan={2}>Error budget left</th>
              <th colSpan={WINDOWS.length} className="group">
                Burn rate
              </th>
              <th rowSpan={2} className="num">
                Requests
              </th>
            </tr>
            <tr>
              {WINDOWS.map((w) => (
                <th key={w} className="num">
                  {w}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {reports.length === 0 && (
              <tr>
                <td colSpan={10} className="empty">
                  No SLOs yet. Create one to track a route&apos;s or a service&apos;s promise and its error budget.
                </td>
              </tr>
            )}
            {reports.map((r) => {
              const noData = r.window.total === 0;
              return (
                <tr key={r.name} className="clickable" data-testid={`slo-row-${r.name}`} onClick={() => router.push(`/slos/${encodeURIComponent(r.name)}`)}>
                  <td>
                    <Link href={`/slos/${encodeURIComponent(r.name)}`} className="strong mono row-link slo-name" onClick={(e) => e.stopPropagation()}>
                      {r.name}
                    </Link>
                    <div className="muted small">
                      {r.slo.indicator.type === "latency" ? `answers under ${r.slo.indicator.thresholdMs} ms` : "availability"} of {r.slo.target.kind} <span className="mono">{r.slo.target.name}</span>
                    </div>
                  </td>
                  <td>
                    <AlertBadge state={r.alert} noData={noData} testId={`slo-status-${r.name}`} />
                  </td>
                  <td className="num nowrap" data-testid={`slo-sli-${r.name}`}>
                    <span className="strong">{formatPercent(r.budget.sli, 3)}</span>
                    <span className="muted"> / {r.slo.objectivePercent}%</span>
                    <div className="muted small">{r.slo.windowDays} days</div>
                  </td>
                  <td data-testid={`slo-budget-${r.name}`}>
                    <BudgetBar remaining={r.budget.remainingFraction} noData={noData} />
                  </td>
                  {WINDOWS.map((w) => (
                    <td key={w} className={`num ${burnClass(r.burnRates[w])}`}>
                      {formatBurn(r.burnRates[w])}
                    </td>
                  ))}
                  <td className="num">{formatCount(r.window.total)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
