"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { PageHead } from "@/components/page-head";
import { api, formatTime } from "@/lib/api";

export interface AuditRow {
  id: string;
  at: string;
  actor: { type: string; id: string | null; name: string };
  action: string;
  targetType: string;
  target: string;
  ip: string | null;
  diff: { path: string; before: unknown; after: unknown }[];
}

const FILTERS = ["actor", "action", "target", "since", "until"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const EMPTY: Filters = { actor: "", action: "", target: "", since: "", until: "" };

const show = (v: unknown) => (v === null || v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v));
const clip = (s: string) => (s.length > 160 ? `${s.slice(0, 157)}…` : s);

function Diff({ diff }: { diff: AuditRow["diff"] }) {
  if (!diff.length) return <span className="muted">—</span>;
  return (
    <ul className="diff-list">
      {diff.slice(0, 8).map((d, i) => (
        <li key={i} title={`${d.path}: ${show(d.before)} → ${show(d.after)}`}>
          {d.path && <span className="path mono">{d.path}: </span>}
          {d.before !== null && d.before !== undefined && <span className="before mono">{clip(show(d.before))}</span>}
          {d.before !== null && d.before !== undefined && d.after !== null && d.after !== undefined && " → "}
          {d.after !== null && d.after !== undefined && <span className="after mono">{clip(show(d.after))}</span>}
        </li>
      ))}
      {diff.length > 8 && <li className="muted">and {diff.length - 8} more</li>}
    </ul>
  );
}

/** Browse and filter the audit log (read only: there is no way to edit or delete an entry). */
export function AuditClient({ initialEntries }: { initialEntries: AuditRow[] }) {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [before, setBefore] = useState<string | null>(null);
  const query = new URLSearchParams();
  for (const k of FILTERS) if (filters[k]) query.set(k, k === "since" || k === "until" ? new Date(filters[k]).toISOString() : filters[k]);
  if (before) query.set("before", before);
  const unfiltered = query.size === 0;
  const entries = useQuery({
    queryKey: ["audit", query.toString()],
    queryFn: () => api<AuditRow[]>(`/audit?${query}`),
    initialData: unfiltered ? initialEntries : undefined,
    refetchInterval: 10_000,
  });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setBefore(null);
    setFilters(draft);
  };
  const rows = entries.data ?? [];

  return (
    <section>
      <PageHead title="Audit log" description="Every change and sign-in: who, what, when, from where, and what it changed. Entries cannot be edited or deleted." />
      <form className="card form filters" onSubmit={apply} data-testid="audit-filters">
        {FILTERS.map((k) => (
          <div className="field" key={k}>
            <label htmlFor={`audit-filter-${k}`}>{k === "action" ? "Action (or prefix, e.g. service.)" : k[0].toUpperCase() + k.slice(1)}</label>
            <input
              id={`audit-filter-${k}`}
              data-testid={`audit-filter-${k}`}
              type={k === "since" || k === "until" ? "datetime-local" : "text"}
              value={draft[k]}
              onChange={(e) => setDraft({ ...draft, [k]: e.target.value })}
            />
          </div>
        ))}
        <button type="submit" className="btn primary" data-testid="audit-apply">
          Filter
        </button>
        <button
          type="button"
          className="btn ghost"
          onClick={() => {
            setDraft(EMPTY);
            setFilters(EMPTY);
            setBefore(null);
          }}
        >
          Clear
        </button>
      </form>
      <div className="card table-card">
        <table className="table" data-testid="audit-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Action</th>
              <th>Target</th>
              <th>From</th>
              <th>Change</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  {entries.isLoading ? "Loading…" : "No entries match."}
                </td>
              </tr>
            )}
            {rows.map((e) => (
              <tr key={e.id} data-testid="audit-row">
                <td className="nowrap">{formatTime(e.at)}</td>
                <td>
                  <span className="mono">{e.actor.name}</span> <span className="tag">{e.actor.type}</span>
                </td>
                <td className="mono" data-testid="audit-action">
                  {e.action}
                </td>
                <td>
                  <span className="tag">{e.targetType}</span> <span className="mono">{e.target}</span>
                </td>
                <td className="mono">{e.ip ?? "—"}</td>
                <td>
                  <Diff diff={e.diff} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length >= 100 && (
        <button type="button" className="btn" data-testid="audit-older" onClick={() => setBefore(rows.at(-1)!.id)}>
          Older entries
        </button>
      )}
    </section>
  );
}
