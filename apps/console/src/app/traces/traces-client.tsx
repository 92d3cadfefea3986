"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { FieldMessage } from "@/components/form-bits";
import { PageHead } from "@/components/page-head";
import { api, fieldMap, formatTime } from "@/lib/api";
import { formatLatency } from "@/lib/format-observability";
import { obsKeys, POLL_MS, type TraceSummaryJson } from "@/lib/observability";

interface Filter {
  route: string;
  status: string;
  minDurationMs: string;
}

const query = (f: Filter, before?: string) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v.trim()) p.set(k, v.trim());
  if (before) p.set("before", before);
  return p.toString();
};

/** The kept traces, newest first, filtered by route, status and minimum duration; a click opens the waterfall. */
export function TracesClient({ routes, initial }: { routes: string[]; initial: Filter }) {
  const router = useRouter();
  const pathname = usePathname();
  const [draft, setDraft] = useState(initial);
  const [filter, setFilter] = useState(initial);
  const [pages, setPages] = useState<string[]>([]); // "before" cursors of the older pages shown
  const before = pages.at(-1);
  const list = useQuery({
    queryKey: obsKeys.traces({ ...filter, before }),
    queryFn: () => api<TraceSummaryJson[]>(`/traces?${query(filter, before)}&limit=50`),
    refetchInterval: before ? false : POLL_MS,
    placeholderData: (previous) => previous,
  });
  const errors = fieldMap(list.error);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilter(draft);
    setPages([]);
    router.replace(`${pathname}?${query(draft)}`, { scroll: false });
  };
  const traces = list.data ?? [];

  return (
    <section>
      <PageHead title="Traces" description="Requests the gateway kept: head-sampled, failed or slow, with every upstream attempt. Newest first." />
      <form className="card toolbar-form" onSubmit={apply} data-testid="trace-filter" noValidate>
        <div className="field">
          <label htmlFor="trace-route">Route</label>
          <select id="trace-route" data-testid="trace-route" value={draft.route} onChange={(e) => setDraft({ ...draft, route: e.target.value })}>
            <option value="">any route</option>
            {draft.route && !routes.includes(draft.route) && <option value={draft.route}>{draft.route}</option>}
            {routes.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <FieldMessage id="route" message={errors.route} />
        </div>
        <div className="field">
          <label htmlFor="trace-status">Status</label>
          <input
            id="trace-status"
            data-testid="trace-status"
            list="trace-status-classes"
            value={draft.status}
            placeholder="any, 5xx, 4xx or 502"
            aria-invalid={!!errors.status}
            onChange={(e) => setDraft({ ...draft, status: e.target.value })}
          />
          <datalist id="trace-status-classes">
            <option value="5xx" />
            <option value="4xx" />
          </datalist>
          <FieldMessage id="status" message={errors.status} />
        </div>
        <div className="field">
          <label htmlFor="trace-min-duration">Slower than (ms)</label>
          <input
            id="trace-min-duration"
            data-testid="trace-min-duration"
            inputMode="decimal"
            value={draft.minDurationMs}
            placeholder="0"
            aria-invalid={!!errors.minDurationMs}
            onChange={(e) => setDraft({ ...draft, minDurationMs: e.target.value })}
          />
          <FieldMessage id="minDurationMs" message={errors.minDurationMs} />
        </div>
        <div className="field filter-actions">
          <button type="submit" className="btn primary" data-testid="trace-apply">
            Filter
          </button>
        </div>
      </form>
      <div className="card table-card">
        <table className="table" data-testid="traces-table">
          <thead>
            <tr>
              <th>Started</th>
              <th>Request</th>
              <th>Route → target</th>
              <th className="num">Status</th>
              <th className="num">Duration</th>
              <th className="num">Spans</th>
              <th>Kept because</th>
            </tr>
          </thead>
          <tbody>
            {traces.length === 0 && (
              <tr>
                <td colSpan={7} className="empty">
                  {list.isPending ? "Loading…" : "No kept traces match. The gateway keeps sampled, failed and slow requests for a limited time."}
                </td>
              </tr>
            )}
            {traces.map((t) => (
              <tr key={t.traceId} className="clickable" data-testid={`trace-row-${t.traceId}`} onClick={() => router.push(`/traces/${t.traceId}`)}>
                <td className="nowrap">{formatTime(t.startedAt)}</td>
                <td>
                  <Link href={`/traces/${t.traceId}`} className="mono row-link" onClick={(e) => e.stopPropagation()}>
                    {t.method} {t.path}
                  </Link>
                  <div className="muted small mono">{t.traceId}</div>
                </td>
                <td className="mono small">
                  {t.route ?? "—"} → {t.target ?? "—"}
                </td>
                <td className="num">
                  <span className={`status-code s${String(t.status)[0]}xx`}>{t.status}</span>
                  {t.errorCode && <div className="muted small">{t.errorCode}</div>}
                </td>
                <td className="num nowrap">{formatLatency(t.durationMs)}</td>
                <td className="num">
                  {t.spans}
                  {t.retries > 0 && (
                    <div className="muted small">
                      {t.retries} retr{t.retries === 1 ? "y" : "ies"}
                    </div>
                  )}
                </td>
                <td>
                  <span className={`chip kept-${t.keptBecause}`}>{t.keptBecause}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="pager">
        {pages.length > 0 && (
          <button type="button" className="btn small" onClick={() => setPages(pages.slice(0, -1))}>
            ← Newer
          </button>
        )}
        {traces.length === 50 && (
          <button type="button" className="btn small" data-testid="traces-older" onClick={() => setPages([...pages, traces[traces.length - 1].startedAt])}>
            Older →
          </button>
        )}
      </div>
    </section>
  );
}
