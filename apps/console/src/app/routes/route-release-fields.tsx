"use client";

import { Field, FieldMessage, PolicyFieldset } from "@/components/form-bits";
import { blankHeader, headerNameIsValid, type HeaderDraft } from "./route-draft";
import type { PolicyProps } from "./route-policy-props";

/** What the route answers when its upstream cannot: a static response or the last good one. */
export function FallbackFields({ draft, patch, errors }: PolicyProps) {
  const f = draft.fallback;
  const setHeader = (key: number, p: Partial<HeaderDraft>) => patch("fallback", { headers: f.headers.map((h) => (h.key === key ? { ...h, ...p } : h)) });
  // Two rows with one name share an error path; show it once, at the last of them.
  const lastWithName = new Map(f.headers.map((h, i) => [h.name.trim().toLowerCase(), i]));
  return (
    <PolicyFieldset
      testId="route-fallback"
      title="Fallback response"
      description="Answered while the service's breaker is open, no target can take the request, or every attempt failed."
      enabled={f.enabled}
      onToggle={(enabled) => patch("fallback", { enabled })}
      path="fallback"
      errors={errors}
    >
      <div className="grid-3">
        <Field testId="fallback-status" label="Status" path="fallback.status" errors={errors} numeric value={f.status} onChange={(status) => patch("fallback", { status })} />
        <div className="field checkbox-field">
          <label className="checkbox">
            <input type="checkbox" data-testid="fallback-lastGood" checked={f.lastGood} onChange={(e) => patch("fallback", { lastGood: e.target.checked })} />
            Prefer the last good answer (GET and HEAD)
          </label>
          <FieldMessage id="fallback.lastGood" message={errors["fallback.lastGood"]} />
        </div>
      </div>
      <div className="field">
        <span className="field-label">Headers</span>
        {f.headers.map((h, i) => {
          const path = `fallback.headers.${h.name.trim()}`;
          const error = lastWithName.get(h.name.trim().toLowerCase()) === i ? errors[path] : undefined;
          const nameIsBad = !!error && (!headerNameIsValid(h.name) || error === "is listed twice");
          return (
            <div key={h.key} className="header-row" data-testid={`fallback-header-row-${i}`}>
              <input
                aria-label={`Header ${i + 1} name`}
                data-testid={`fallback-header-${i}-name`}
                className="mono"
                value={h.name}
                placeholder="content-type"
                aria-invalid={nameIsBad}
                onChange={(e) => setHeader(h.key, { name: e.target.value })}
              />
              <input
                aria-label={`Header ${i + 1} value`}
                data-testid={`fallback-header-${i}-value`}
                className="mono"
                value={h.value}
                placeholder="application/json"
                aria-invalid={!!error && !nameIsBad}
                onChange={(e) => setHeader(h.key, { value: e.target.value })}
              />
              <button
                type="button"
                className="btn small ghost"
                data-testid={`fallback-header-${i}-remove`}
                aria-label={`Remove header ${i + 1}`}
                onClick={() => patch("fallback", { headers: f.headers.filter((x) => x.key !== h.key) })}
              >
                Remove
              </button>
              <FieldMessage id={path} message={error} />
            </div>
          );
        })}
        <FieldMessage id="fallback.headers" message={errors["fallback.headers"]} />
        <div>
          <button type="button" className="btn small" data-testid="fallback-add-header" onClick={() => patch("fallback", { headers: [...f.headers, blankHeader()] })}>
            + Add header
          </button>
        </div>
      </div>
      <div className="field">
        <label htmlFor="fallback-body">Body</label>
        <textarea
          id="fallback-body"
          data-testid="fallback-body"
          className="mono"
          rows={3}
          value={f.body}
          placeholder='{"error":"catalog is unavailable, try again shortly"}'
          aria-invalid={!!errors["fallback.body"]}
          onChange={(e) => patch("fallback", { body: e.target.value })}
        />
        <FieldMessage id="fallback.body" message={errors["fallback.body"]} />
      </div>
    </PolicyFieldset>
  );
}

/** Canary and blue-green: a share of the traffic (and anyone sending a header) goes to another service. */
export function SplitFields({ draft, patch, errors, serviceNames }: PolicyProps) {
  const s = draft.split;
  const missing = s.service !== "" && !serviceNames.includes(s.service);
  return (
    <PolicyFieldset
      testId="route-split"
      title="Canary / traffic split"
      description="Sends a share of this route's requests to another service, and every request that carries the header."
      enabled={s.enabled}
      onToggle={(enabled) => patch("split", { enabled })}
      path="split"
      errors={errors}
    >
      <div className="grid-3">
        <div className="field">
          <label htmlFor="split-service">Send to service</label>
          <select id="split-service" data-testid="split-service" value={s.service} aria-invalid={!!errors["split.service"]} onChange={(e) => patch("split", { service: e.target.value })}>
            <option value="">Choose a service…</option>
            {missing && <option value={s.service}>{s.service} (missing)</option>}
            {serviceNames.map((n) => (
              <option key={n} value={n} disabled={n === draft.service}>
                {n === draft.service ? `${n} (this route's own)` : n}
              </option>
            ))}
          </select>
          <FieldMessage id="split.service" message={errors["split.service"]} />
        </div>
        <Field testId="split-percent" label="Share of requests (%)" path="split.percent" errors={errors} numeric value={s.percent} onChange={(percent) => patch("split", { percent })} />
      </div>
      <div className="sub-policy">
        <label className="checkbox">
          <input type="checkbox" data-testid="split-header-enabled" checked={s.headerEnabled} onChange={(e) => patch("split", { headerEnabled: e.target.checked })} />
          Also send every request that carries a header, whatever the share (for testers)
        </label>
        <FieldMessage id="split.header" message={errors["split.header"]} />
        {s.headerEnabled && (
          <div className="grid-3">
            <Field
              testId="split-header-name"
              label="Header"
              path="split.header.name"
              errors={errors}
              mono
              value={s.headerName}
              placeholder="x-canary"
              onChange={(headerName) => patch("split", { headerName })}
            />
            <Field
              testId="split-header-value"
              label="Value"
              path="split.header.value"
              errors={errors}
              mono
              value={s.headerValue}
              placeholder="1"
              onChange={(headerValue) => patch("split", { headerValue })}
            />
          </div>
        )}
      </div>
    </PolicyFieldset>
  );
}

/** Chaos drills. Shown loudly, here and in the table, because they hurt real traffic on purpose. */
export function FaultsFields({ draft, patch, errors }: PolicyProps) {
  const f = draft.faults;
  return (
    <PolicyFieldset
      testId="route-faults"
      title="Fault injection"
      description="Chaos drills: aborts or delays a share of real requests on purpose. Routes with faults on are flagged on this page."
      enabled={f.enabled}
      onToggle={(enabled) => patch("faults", { enabled })}
      path="faults"
      errors={errors}
      warn
    >
      <div className="sub-policy">
        <label className="checkbox">
          <input type="checkbox" data-testid="faults-abort-enabled" checked={f.abort} onChange={(e) => patch("faults", { abort: e.target.checked })} />
          Abort requests with an error status
        </label>
        <FieldMessage id="faults.abort" message={errors["faults.abort"]} />
        {f.abort && (
          <div className="grid-3">
            <Field
              testId="faults-abort-percent"
              label="Share of requests (%)"
              path="faults.abort.percent"
              errors={errors}
              numeric
              value={f.abortPercent}
              onChange={(abortPercent) => patch("faults", { abortPercent })}
            />
            <Field testId="faults-abort-status" label="Status" path="faults.abort.status" errors={errors} numeric value={f.abortStatus} onChange={(abortStatus) => patch("faults", { abortStatus })} />
          </div>
        )}
      </div>
      <div className="sub-policy">
        <label className="checkbox">
          <input type="checkbox" data-testid="faults-delay-enabled" checked={f.delay} onChange={(e) => patch("faults", { delay: e.target.checked })} />
          Delay requests
        </label>
        <FieldMessage id="faults.delay" message={errors["faults.delay"]} />
        {f.delay && (
          <div className="grid-3">
            <Field
              testId="faults-delay-percent"
              label="Share of requests (%)"
              path="faults.delay.percent"
              errors={errors}
              numeric
              value={f.delayPercent}
              onChange={(delayPercent) => patch("faults", { delayPercent })}
            />
            <Field testId="faults-delay-ms" label="Delay (ms)" path="faults.delay.ms" errors={errors} numeric value={f.delayMs} onChange={(delayMs) => patch("faults", { delayMs })} />
          </div>
        )}
      </div>
    </PolicyFieldset>
  );
}
