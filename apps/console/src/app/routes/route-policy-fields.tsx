"use client";

import { DEFAULT_RETRIES, HTTP_METHODS, PRIORITIES, RATE_LIMIT_KEYS, type Priority } from "@bulwark/config/schema";
import { errorsUnder, Field, FieldMessage, PolicyFieldset } from "@/components/form-bits";
import { formatBytes } from "@/lib/format-units";
import type { RetryNumberField } from "./route-draft";
import { AccessFields } from "./route-access-fields";
import { FallbackFields, FaultsFields, SplitFields } from "./route-release-fields";
import type { PolicyProps } from "./route-policy-props";

const PRIORITY_LABELS: Record<Priority, string> = {
  critical: "critical: shed last",
  normal: "normal",
  low: "low: shed first",
};
const RETRY_FIELDS: [RetryNumberField, string][] = [
  ["attempts", "Retry attempts (0 to 5)"],
  ["backoffMs", "First backoff (ms)"],
  ["maxBackoffMs", "Longest backoff (ms)"],
  ["budgetPercent", "Retry budget (% of requests in flight)"],
  ["minRetryConcurrency", "Always allow (retries in flight)"],
];
const RATE_KEY_LABELS = { route: "the whole route", ip: "client IP", header: "a request header", consumer: "the authenticated consumer" } as const;

/** Everything a route does besides matching and forwarding: admission, retries and the optional policies. */
export function RoutePolicyFields(props: PolicyProps) {
  return (
    <>
      <AdmissionFields {...props} />
      <AccessFields {...props} />
      <RetriesFields {...props} />
      <RateLimitFields {...props} />
      <FallbackFields {...props} />
      <SplitFields {...props} />
      <FaultsFields {...props} />
    </>
  );
}

function AdmissionFields({ draft, set, errors }: PolicyProps) {
  const bytes = Number(draft.maxBodyBytes);
  return (
    <div className="grid-3">
      <div className="field">
        <label htmlFor="route-priority">Priority under overload</label>
        <select id="route-priority" data-testid="route-priority" value={draft.priority} aria-invalid={!!errors.priority} onChange={(e) => set({ priority: e.target.value as Priority })}>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {PRIORITY_LABELS[p]}
            </option>
          ))}
        </select>
        <FieldMessage id="priority" message={errors.priority} />
      </div>
      <Field
        testId="route-maxBodyBytes"
        label="Largest request body (bytes)"
        path="maxBodyBytes"
        errors={errors}
        numeric
        value={draft.maxBodyBytes}
        placeholder="no limit"
        hint={draft.maxBodyBytes.trim() === "" ? "Empty: no limit. Larger bodies get 413." : Number.isFinite(bytes) && bytes >= 0 ? `= ${formatBytes(bytes)}; larger bodies get 413` : undefined}
        onChange={(maxBodyBytes) => set({ maxBodyBytes })}
      />
    </div>
  );
}

function RetriesFields({ draft, patch, errors }: PolicyProps) {
  const r = draft.retries;
  const toggle = (m: (typeof HTTP_METHODS)[number]) => patch("retries", { methods: r.methods.includes(m) ? r.methods.filter((x) => x !== m) : [...r.methods, m] });
  const methodsError = errorsUnder(errors, "retries.methods");
  const retryField = ([k, label]: [RetryNumberField, string]) => (
    <Field
      key={k}
      testId={`retries-${k}`}
      label={label}
      path={`retries.${k}`}
      errors={errors}
      numeric
      value={r[k]}
      placeholder={`default ${DEFAULT_RETRIES[k]}`}
      onChange={(v) => patch("retries", { [k]: v })}
    />
  );
  return (
    <fieldset className="policy on" data-testid="retries-section">
      <legend>Retries</legend>
      <p className="policy-description">After connection failures and the statuses listed, for the methods checked, within the retry budget. Requests with a body are never retried.</p>
      <div className="grid-3">
        {RETRY_FIELDS.slice(0, 3).map(retryField)}
        <Field
          testId="retries-statuses"
          label="Also retry on statuses"
          path="retries.statuses"
          nested
          errors={errors}
          mono
          value={r.statuses}
          placeholder="502, 503, 504"
          hint="Empty: connection failures only."
          onChange={(statuses) => patch("retries", { statuses })}
        />
        {RETRY_FIELDS.slice(3).map(retryField)}
      </div>
      <div className="field">
        <span className="field-label" id="retries-methods-label">
          Retry these methods
        </span>
        <div className="checkbox-row" role="group" aria-labelledby="retries-methods-label">
          {HTTP_METHODS.map((m) => (
            <label key={m} className="checkbox">
              <input type="checkbox" data-testid={`retries-method-${m}`} checked={r.methods.includes(m)} aria-invalid={!!methodsError} onChange={() => toggle(m)} />
              {m}
            </label>
          ))}
        </div>
        <FieldMessage id="retries.methods" message={methodsError} />
      </div>
      <FieldMessage id="retries" message={errors.retries} />
    </fieldset>
  );
}

function RateLimitFields({ draft, patch, errors }: PolicyProps) {
  const r = draft.rateLimit;
  const noCredentials = r.by === "consumer" && !draft.access.apiKey && !draft.access.jwt;
  return (
    <PolicyFieldset
      testId="route-rateLimit"
      title="Rate limit"
      description="A token bucket per client key, shared by all gateway workers. Requests over the limit get 429."
      enabled={r.enabled}
      onToggle={(enabled) => patch("rateLimit", { enabled })}
      path="rateLimit"
      errors={errors}
    >
      <div className="grid-4">
        <Field testId="rateLimit-requests" label="Requests" path="rateLimit.requests" errors={errors} numeric value={r.requests} onChange={(requests) => patch("rateLimit", { requests })} />
        <Field testId="rateLimit-windowMs" label="Per window (ms)" path="rateLimit.windowMs" errors={errors} numeric value={r.windowMs} onChange={(windowMs) => patch("rateLimit", { windowMs })} />
        <div className="field">
          <label htmlFor="rateLimit-by">Count per</label>
          <select id="rateLimit-by" data-testid="rateLimit-by" value={r.by} aria-invalid={!!errors["rateLimit.by"]} onChange={(e) => patch("rateLimit", { by: e.target.value as typeof r.by })}>
            {RATE_LIMIT_KEYS.map((k) => (
              <option key={k} value={k}>
                {RATE_KEY_LABELS[k]}
              </option>
            ))}
          </select>
          {noCredentials && !errors["rateLimit.by"] && <p className="field-hint">Needs an API key or a JWT under Access.</p>}
          <FieldMessage id="rateLimit.by" message={errors["rateLimit.by"]} />
        </div>
        {r.by === "header" && (
          <Field
            testId="rateLimit-header"
            label="Header to count by"
            path="rateLimit.header"
            errors={errors}
            mono
            value={r.header}
            placeholder="x-api-key"
            onChange={(header) => patch("rateLimit", { header })}
          />
        )}
      </div>
    </PolicyFieldset>
  );
}
