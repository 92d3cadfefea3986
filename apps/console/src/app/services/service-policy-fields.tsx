"use client";

import { CircuitBreakerSchema } from "@bulwark/config/schema";
import { Field, PolicyFieldset, type FieldErrors } from "@/components/form-bits";
import type { BreakerField, ServiceDraft } from "./service-draft";

const HEALTH_FIELDS = [
  ["path", "Path"],
  ["intervalMs", "Interval (ms)"],
  ["timeoutMs", "Timeout (ms)"],
  ["healthyThreshold", "Healthy after (checks)"],
  ["unhealthyThreshold", "Unhealthy after (checks)"],
  ["expectedStatuses", "Healthy statuses"],
] as const;
const OUTLIER_FIELDS = [
  ["consecutiveFailures", "Eject after (failures in a row)"],
  ["baseEjectionMs", "Base ejection (ms)"],
  ["maxEjectionMs", "Longest ejection (ms)"],
  ["maxEjectionPercent", "Most targets ejected (%)"],
] as const;
const BREAKER_FIELDS: readonly (readonly [BreakerField, string])[] = [
  ["failureRatePercent", "Open at failure rate (%)"],
  ["slowCallRatePercent", "Open at slow-call rate (%)"],
  ["slowCallMs", "A call is slow from (ms)"],
  ["windowMs", "Sliding window (ms)"],
  ["minimumCalls", "Minimum calls in the window"],
  ["openMs", "Stay open for (ms)"],
  ["halfOpenProbes", "Probes while half-open"],
];

const BREAKER_DEFAULTS: Record<string, number> = CircuitBreakerSchema.parse({});

type Props = { draft: ServiceDraft; setDraft: (update: (d: ServiceDraft) => ServiceDraft) => void; errors: FieldErrors };
type Section = "healthCheck" | "outlierDetection" | "circuitBreaker";

/** Health checks, outlier ejection and the circuit breaker: each off until its checkbox switches it on. */
export function ServicePolicyFields({ draft, setDraft, errors }: Props) {
  const patch = <S extends Section>(section: S, p: Partial<ServiceDraft[S]>) => setDraft((d) => ({ ...d, [section]: { ...d[section], ...p } }));
  const fields = <S extends Section>(section: S, prefix: string, list: readonly (readonly [string, string])[], defaults?: Record<string, number>) => (
    <div className="grid-3">
      {list.map(([field, label]) => (
        <Field
          key={field}
          testId={`${prefix}-${field}`}
          label={label}
          path={`${section}.${field}`}
          nested
          errors={errors}
          value={(draft[section] as unknown as Record<string, string>)[field]}
          placeholder={defaults ? `default ${defaults[field]}` : undefined}
          onChange={(v) => patch(section, { [field]: v } as Partial<ServiceDraft[S]>)}
        />
      ))}
    </div>
  );
  return (
    <>
      <PolicyFieldset
        testId="service-health"
        title="Active health checks"
        description="Probes every target on a path; a target that fails is taken out until it passes again."
        enabled={draft.healthCheck.enabled}
        onToggle={(enabled) => patch("healthCheck", { enabled })}
      >
        {fields("healthCheck", "health", HEALTH_FIELDS)}
      </PolicyFieldset>
      <PolicyFieldset
        testId="service-outlier"
        title="Passive outlier ejection"
        description="Takes a target out for a while after 5xx answers or connection failures in a row."
        enabled={draft.outlierDetection.enabled}
        onToggle={(enabled) => patch("outlierDetection", { enabled })}
      >
        {fields("outlierDetection", "outlier", OUTLIER_FIELDS)}
      </PolicyFieldset>
      <PolicyFieldset
        testId="service-breaker"
        title="Circuit breaker"
        description="Stops sending to the service while too many calls fail or are slow; routes with a fallback answer it meanwhile."
        enabled={draft.circuitBreaker.enabled}
        onToggle={(enabled) => patch("circuitBreaker", { enabled })}
        path="circuitBreaker"
        errors={errors}
      >
        {fields("circuitBreaker", "breaker", BREAKER_FIELDS, BREAKER_DEFAULTS)}
      </PolicyFieldset>
    </>
  );
}
