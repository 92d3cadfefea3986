"use client";

import Link from "next/link";
import { useState } from "react";
import { formatTime } from "@/lib/api";
import { formatLatency } from "@/lib/format-observability";
import type { SpanJson } from "@/lib/observability";

interface Row {
  span: SpanJson;
  depth: number;
  startMs: number;
}

/** Orders spans as a tree (children under their parent, in start order) with offsets from the root's start. */
function layout(spans: SpanJson[]): { rows: Row[]; totalMs: number } {
  const root = spans.find((s) => s.kind === "server" && !spans.some((p) => p.spanId === s.parentSpanId)) ?? spans[0];
  const t0 = new Date(root.startedAt).getTime();
  const children = new Map<string | null, SpanJson[]>();
  for (const s of spans) if (s !== root) children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
  const rows: Row[] = [];
  const seen = new Set<string>();
  const visit = (s: SpanJson, depth: number) => {
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    rows.push({ span: s, depth, startMs: new Date(s.startedAt).getTime() - t0 });
    for (const c of children.get(s.spanId) ?? []) visit(c, depth + 1);
  };
  visit(root, 0);
  for (const s of spans) visit(s, 1); // spans whose parent was not kept still show, under the root
  const totalMs = Math.max(root.durationMs, ...rows.map((r) => r.startMs + r.span.durationMs), 0.001);
  return { rows, totalMs };
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** One trace as a waterfall: the request (server span) and each upstream attempt, positioned on the request's timeline. */
export function TraceWaterfall({ traceId, spans }: { traceId: string; spans: SpanJson[] }) {
  const { rows, totalMs } = layout(spans);
  const root = rows[0].span;
  const [selected, setSelected] = useState(root.spanId);
  const chosen = rows.find((r) => r.span.spanId === selected)?.span ?? root;
  const pct = (ms: number) => `${Math.max(0, Math.min(100, (ms / totalMs) * 100))}%`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * totalMs);

  return (
    <section>
      <div className="page-head">
        <div>
          <div className="breadcrumb">
            <Link href="/traces">Traces</Link> /
          </div>
          <h1 className="mono">
            {root.method} {root.path}
          </h1>
          <p className="muted">
            <span className={`status-code s${String(root.status)[0]}xx`}>{root.status}</span> {root.errorCode && <code>{root.errorCode}</code>} in <strong>{formatLatency(root.durationMs)}</strong> ·
            route <span className="mono">{root.route ?? "—"}</span> · service <span className="mono">{root.service ?? "—"}</span> · {formatTime(root.startedAt)} · kept because {root.keptBecause} ·{" "}
            <span className="mono small">{traceId}</span>
          </p>
        </div>
      </div>
      <div className="card waterfall" data-testid="waterfall">
        <div className="wf-row wf-axis">
          <div className="wf-label">Span</div>
          <div className="wf-track">
            {ticks.map((t, i) => (
              <span key={i} className="wf-tick" style={{ left: pct(t) }}>
                {formatLatency(t)}
              </span>
            ))}
          </div>
        </div>
        {rows.map(({ span, depth, startMs }) => {
          const connect = num(span.attributes.connectMs);
          const firstByte = num(span.attributes.firstByteMs);
          const failed = span.status >= 500 || !!span.errorCode;
          return (
            <button
              type="button"
              key={span.spanId}
              className={`wf-row${span.spanId === chosen.spanId ? " selected" : ""}`}
              data-testid={`span-${span.spanId}`}
              data-kind={span.kind}
              onClick={() => setSelected(span.spanId)}
            >
              <div className="wf-label" style={{ paddingLeft: 12 + depth * 18 }}>
                <span className="wf-name">{span.kind === "client" ? `${span.name}` : span.name}</span>
                <span className="muted small mono">
                  {span.kind === "client" ? (span.target ?? String(span.attributes.target ?? "")) : "gateway"} · {span.status}
                </span>
              </div>
              <div className="wf-track">
                {ticks.map((t, i) => (
                  <span key={i} className="wf-grid" style={{ left: pct(t) }} />
                ))}
                <div
                  className={`wf-bar ${span.kind}${failed ? " failed" : ""}`}
                  style={{ left: pct(startMs), width: `max(3px, ${pct(span.durationMs)})` }}
                  data-testid={`bar-${span.spanId}`}
                  title={`${span.name}: starts at +${formatLatency(startMs)}, lasts ${formatLatency(span.durationMs)}`}
                >
                  {span.kind === "client" && connect != null && span.durationMs > 0 && <span className="wf-phase connect" style={{ width: `${Math.min(100, (connect / span.durationMs) * 100)}%` }} />}
                  {span.kind === "client" && firstByte != null && span.durationMs > 0 && (
                    <span
                      className="wf-phase wait"
                      style={{ left: `${Math.min(100, ((connect ?? 0) / span.durationMs) * 100)}%`, width: `${Math.max(0, Math.min(100, ((firstByte - (connect ?? 0)) / span.durationMs) * 100))}%` }}
                    />
                  )}
                </div>
                <span className="wf-duration" style={{ left: `calc(${pct(startMs + span.durationMs)} + 6px)` }}>
                  {formatLatency(span.durationMs)}
                </span>
              </div>
            </button>
          );
        })}
        <div className="wf-legend muted small">
          <span className="wf-key server" /> request at the gateway <span className="wf-key client" /> upstream attempt <span className="wf-key connect" /> connect <span className="wf-key wait" />{" "}
          waiting for the first byte <span className="wf-key failed" /> failed
        </div>
      </div>
      <div className="card span-detail" data-testid="span-detail">
        <h2>
          {chosen.name}{" "}
          <span className="muted small">
            ({chosen.kind} span {chosen.spanId})
          </span>
        </h2>
        <dl className="kv">
          {[
            ["status", `${chosen.status}${chosen.errorCode ? ` ${chosen.errorCode}` : ""}`],
            ["outcome", chosen.outcome ?? "—"],
            ["target", chosen.target ?? "—"],
            ["retries", String(chosen.retries)],
            ["started", formatTime(chosen.startedAt)],
            ["duration", formatLatency(chosen.durationMs)],
            ...Object.entries(chosen.attributes)
              .filter(([k]) => !["status", "target", "retries", "outcome"].includes(k))
              .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
          ].map(([k, v]) => (
            <div key={k} className="kv-row">
              <dt>{k}</dt>
              <dd className="mono">{v}</dd>
            </div>
          ))}
        </dl>
      </div>
    </section>
  );
}
