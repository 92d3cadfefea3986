"use client";

import { useQuery } from "@tanstack/react-query";
import { HASH_SOURCES, LOAD_BALANCING_ALGORITHMS, type LoadBalancing } from "@bulwark/config/schema";
import { api, queryKeys, type Service } from "@/lib/api";
import { useEntityEditor } from "@/lib/use-entity-editor";
import { DeleteButton, FieldMessage, FormBanner } from "@/components/form-bits";
import { Notice, PageHead } from "@/components/page-head";

interface TargetDraft {
  key: number;
  address: string;
  weight: string;
}
interface ServiceDraft {
  name: string;
  description: string;
  targets: TargetDraft[];
  algorithm: LoadBalancing["algorithm"];
  hashSource: (typeof HASH_SOURCES)[number];
  hashName: string;
  /** Number fields stay strings while typed; the server says what is wrong with them. */
  healthCheck: { enabled: boolean; path: string; intervalMs: string; timeoutMs: string; healthyThreshold: string; unhealthyThreshold: string; expectedStatuses: string };
  outlierDetection: { enabled: boolean; consecutiveFailures: string; baseEjectionMs: string; maxEjectionMs: string; maxEjectionPercent: string };
}

const HEALTH_DEFAULTS = { enabled: false, path: "/health", intervalMs: "5000", timeoutMs: "2000", healthyThreshold: "2", unhealthyThreshold: "3", expectedStatuses: "200" };
const OUTLIER_DEFAULTS = { enabled: false, consecutiveFailures: "5", baseEjectionMs: "30000", maxEjectionMs: "300000", maxEjectionPercent: "50" };
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
/** "" keeps the server's default; anything else is sent as a number (NaN becomes null: "must be a number"). */
const num = (v: string) => (v.trim() === "" ? undefined : Number(v));

const ALGORITHM_LABELS: Record<LoadBalancing["algorithm"], string> = {
  "round-robin": "Weighted round-robin",
  "least-requests": "Least outstanding requests",
  "consistent-hash": "Consistent hash (session affinity)",
  "latency-aware": "Latency-aware (peak EWMA)",
};

let nextKey = 1;
const blankTarget = (): TargetDraft => ({ key: nextKey++, address: "", weight: "100" });
const blank = (): ServiceDraft => ({ name: "", description: "", targets: [blankTarget()], algorithm: "round-robin", hashSource: "header", hashName: "", healthCheck: { ...HEALTH_DEFAULTS }, outlierDetection: { ...OUTLIER_DEFAULTS } });
const fromService = (s: Service): ServiceDraft => ({
  name: s.name,
  description: s.description,
  targets: s.targets.map((t) => ({ key: nextKey++, address: t.address, weight: String(t.weight) })),
  algorithm: s.loadBalancing?.algorithm ?? "round-robin",
  hashSource: s.loadBalancing?.hashOn?.source ?? "header",
  hashName: s.loadBalancing?.hashOn?.name ?? "",
  healthCheck: s.healthCheck
    ? { enabled: true, path: s.healthCheck.path, intervalMs: String(s.healthCheck.intervalMs), timeoutMs: String(s.healthCheck.timeoutMs), healthyThreshold: String(s.healthCheck.healthyThreshold), unhealthyThreshold: String(s.healthCheck.unhealthyThreshold), expectedStatuses: s.healthCheck.expectedStatuses.join(", ") }
    : { ...HEALTH_DEFAULTS },
  outlierDetection: s.outlierDetection
    ? { enabled: true, consecutiveFailures: String(s.outlierDetection.consecutiveFailures), baseEjectionMs: String(s.outlierDetection.baseEjectionMs), maxEjectionMs: String(s.outlierDetection.maxEjectionMs), maxEjectionPercent: String(s.outlierDetection.maxEjectionPercent) }
    : { ...OUTLIER_DEFAULTS },
});
const toBody = (d: ServiceDraft) => ({
  name: d.name.trim(),
  description: d.description,
  targets: d.targets.map((t) => ({ address: t.address.trim(), ...(t.weight.trim() === "" ? {} : { weight: Number(t.weight) }) })),
  loadBalancing: {
    algorithm: d.algorithm,
    hashOn: d.algorithm === "consistent-hash" ? { source: d.hashSource, name: d.hashSource === "ip" ? "" : d.hashName.trim() } : null,
  },
  healthCheck: d.healthCheck.enabled
    ? {
        path: d.healthCheck.path.trim(),
        intervalMs: num(d.healthCheck.intervalMs),
        timeoutMs: num(d.healthCheck.timeoutMs),
        healthyThreshold: num(d.healthCheck.healthyThreshold),
        unhealthyThreshold: num(d.healthCheck.unhealthyThreshold),
        expectedStatuses: d.healthCheck.expectedStatuses.split(",").map((x) => x.trim()).filter(Boolean).map(Number),
      }
    : null,
  outlierDetection: d.outlierDetection.enabled
    ? {
        consecutiveFailures: num(d.outlierDetection.consecutiveFailures),
        baseEjectionMs: num(d.outlierDetection.baseEjectionMs),
        maxEjectionMs: num(d.outlierDetection.maxEjectionMs),
        maxEjectionPercent: num(d.outlierDetection.maxEjectionPercent),
      }
    : null,
});
const isKnownPath = (p: string) =>
  p === "name" || p === "description" || p === "targets" || /^targets\.\d+(\.(address|weight))?$/.test(p) || /^loadBalancing(\.(algorithm|hashOn(\.name)?))?$/.test(p) || /^(healthCheck|outlierDetection)\.\w+$/.test(p);

export function ServicesClient({ initialServices }: { initialServices: Service[] }) {
  const services = useQuery({ queryKey: queryKeys.services, queryFn: () => api<Service[]>("/services"), initialData: initialServices });
  const { editing, open, draft, setDraft, notice, save, remove, errors, startCreate, startEdit, submit, cancel } = useEntityEditor<Service, ServiceDraft>({
    kind: "services",
    label: "service",
    blank,
    fromEntity: fromService,
    toBody,
  });
  const setTarget = (key: number, patch: Partial<TargetDraft>) => setDraft((d) => ({ ...d, targets: d.targets.map((t) => (t.key === key ? { ...t, ...patch } : t)) }));

  return (
    <section>
      <PageHead
        title="Services"
        description="Upstream services and their weighted targets. Changes are drafts until you publish."
        action={
          <button type="button" className="btn primary" data-testid="new-service" onClick={startCreate}>
            New service
          </button>
        }
      />
      <Notice notice={notice} />

      {open && (
        <form className="card form" onSubmit={submit} data-testid="service-form" noValidate>
          <h2>{editing === null ? "New service" : `Edit service ${editing}`}</h2>
          <FormBanner error={save.error} isKnown={isKnownPath} />
          <div className="grid-2">
            <div className="field">
              <label htmlFor="service-name">Name</label>
              <input id="service-name" data-testid="service-name" value={draft.name} aria-invalid={!!errors.name} placeholder="catalog" onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
              <FieldMessage id="name" message={errors.name} />
            </div>
            <div className="field">
              <label htmlFor="service-description">Description</label>
              <input id="service-description" data-testid="service-description" value={draft.description} aria-invalid={!!errors.description} placeholder="What this service does" onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
              <FieldMessage id="description" message={errors.description} />
            </div>
          </div>
          <div className="grid-3">
            <div className="field">
              <label htmlFor="service-algorithm">Load balancing</label>
              <select id="service-algorithm" data-testid="service-algorithm" value={draft.algorithm} aria-invalid={!!errors["loadBalancing.algorithm"]} onChange={(e) => setDraft({ ...draft, algorithm: e.target.value as ServiceDraft["algorithm"] })}>
                {LOAD_BALANCING_ALGORITHMS.map((a) => (
                  <option key={a} value={a}>
                    {ALGORITHM_LABELS[a]}
                  </option>
                ))}
              </select>
              <FieldMessage id="loadBalancing.algorithm" message={errors["loadBalancing.algorithm"] ?? errors.loadBalancing} />
            </div>
            {draft.algorithm === "consistent-hash" && (
              <>
                <div className="field">
                  <label htmlFor="service-hash-source">Hash on</label>
                  <select id="service-hash-source" data-testid="service-hash-source" value={draft.hashSource} aria-invalid={!!errors["loadBalancing.hashOn"]} onChange={(e) => setDraft({ ...draft, hashSource: e.target.value as ServiceDraft["hashSource"] })}>
                    <option value="header">a request header</option>
                    <option value="cookie">a cookie</option>
                    <option value="ip">the client address</option>
                  </select>
                  <FieldMessage id="loadBalancing.hashOn" message={errors["loadBalancing.hashOn"]} />
                </div>
                {draft.hashSource !== "ip" && (
                  <div className="field">
                    <label htmlFor="service-hash-name">{draft.hashSource === "header" ? "Header name" : "Cookie name"}</label>
                    <input id="service-hash-name" data-testid="service-hash-name" value={draft.hashName} placeholder={draft.hashSource === "header" ? "x-student-id" : "session"} aria-invalid={!!errors["loadBalancing.hashOn.name"]} onChange={(e) => setDraft({ ...draft, hashName: e.target.value })} />
                    <FieldMessage id="loadBalancing.hashOn.name" message={errors["loadBalancing.hashOn.name"]} />
                  </div>
                )}
              </>
            )}
          </div>
          <fieldset className="targets">
            <legend>Targets</legend>
            {draft.targets.map((t, i) => (
              <div className="target-row" key={t.key} data-testid={`target-row-${i}`}>
                <div className="field grow">
                  <label htmlFor={`target-${i}-address`}>Address (host:port)</label>
                  <input id={`target-${i}-address`} data-testid={`target-${i}-address`} value={t.address} placeholder="127.0.0.1:4001" aria-invalid={!!errors[`targets.${i}.address`]} onChange={(e) => setTarget(t.key, { address: e.target.value })} />
                  <FieldMessage id={`targets.${i}.address`} message={errors[`targets.${i}.address`] ?? errors[`targets.${i}`]} />
                </div>
                <div className="field weight">
                  <label htmlFor={`target-${i}-weight`}>Weight</label>
                  <input id={`target-${i}-weight`} data-testid={`target-${i}-weight`} type="number" min={0} max={1000} value={t.weight} aria-invalid={!!errors[`targets.${i}.weight`]} onChange={(e) => setTarget(t.key, { weight: e.target.value })} />
                  <FieldMessage id={`targets.${i}.weight`} message={errors[`targets.${i}.weight`]} />
                </div>
                <button type="button" className="btn small ghost remove-target" data-testid={`target-${i}-remove`} disabled={draft.targets.length === 1} onClick={() => setDraft((d) => ({ ...d, targets: d.targets.filter((x) => x.key !== t.key) }))} aria-label={`Remove target ${i + 1}`}>
                  Remove
                </button>
              </div>
            ))}
            <FieldMessage id="targets" message={errors.targets} />
            <button type="button" className="btn small" data-testid="add-target" onClick={() => setDraft((d) => ({ ...d, targets: [...d.targets, blankTarget()] }))}>
              + Add target
            </button>
          </fieldset>
          <fieldset className="policy">
            <legend>
              <label className="checkbox">
                <input type="checkbox" data-testid="service-health-enabled" checked={draft.healthCheck.enabled} onChange={(e) => setDraft({ ...draft, healthCheck: { ...draft.healthCheck, enabled: e.target.checked } })} />
                Active health checks
              </label>
            </legend>
            {draft.healthCheck.enabled && (
              <div className="grid-3">
                {HEALTH_FIELDS.map(([field, label]) => (
                  <div className="field" key={field}>
                    <label htmlFor={`health-${field}`}>{label}</label>
                    <input id={`health-${field}`} data-testid={`health-${field}`} value={draft.healthCheck[field]} aria-invalid={!!errors[`healthCheck.${field}`]} onChange={(e) => setDraft({ ...draft, healthCheck: { ...draft.healthCheck, [field]: e.target.value } })} />
                    <FieldMessage id={`healthCheck.${field}`} message={errors[`healthCheck.${field}`] ?? Object.entries(errors).find(([k]) => k.startsWith(`healthCheck.${field}.`))?.[1]} />
                  </div>
                ))}
              </div>
            )}
          </fieldset>
          <fieldset className="policy">
            <legend>
              <label className="checkbox">
                <input type="checkbox" data-testid="service-outlier-enabled" checked={draft.outlierDetection.enabled} onChange={(e) => setDraft({ ...draft, outlierDetection: { ...draft.outlierDetection, enabled: e.target.checked } })} />
                Passive outlier ejection
              </label>
            </legend>
            {draft.outlierDetection.enabled && (
              <div className="grid-3">
                {OUTLIER_FIELDS.map(([field, label]) => (
                  <div className="field" key={field}>
                    <label htmlFor={`outlier-${field}`}>{label}</label>
                    <input id={`outlier-${field}`} data-testid={`outlier-${field}`} value={draft.outlierDetection[field]} aria-invalid={!!errors[`outlierDetection.${field}`]} onChange={(e) => setDraft({ ...draft, outlierDetection: { ...draft.outlierDetection, [field]: e.target.value } })} />
                    <FieldMessage id={`outlierDetection.${field}`} message={errors[`outlierDetection.${field}`]} />
                  </div>
                ))}
              </div>
            )}
          </fieldset>
          <div className="form-actions">
            <button type="submit" className="btn primary" data-testid="service-save" disabled={save.isPending}>
              {save.isPending ? "Saving…" : editing === null ? "Create service" : "Save changes"}
            </button>
            <button type="button" className="btn ghost" onClick={cancel}>
              Cancel
            </button>
          </div>
        </form>
      )}

      <div className="card table-card">
        <table className="table" data-testid="services-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Targets (weight)</th>
              <th>Load balancing</th>
              <th>Description</th>
              <th className="actions-col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {services.data.length === 0 && (
              <tr>
                <td colSpan={5} className="empty">
                  No services yet. Create one to route traffic to it.
                </td>
              </tr>
            )}
            {services.data.map((s) => (
              <tr key={s.name} data-testid={`service-row-${s.name}`}>
                <td className="strong mono">{s.name}</td>
                <td>
                  <ul className="chips wrap">
                    {s.targets.map((t) => (
                      <li key={t.address} className="chip mono">
                        {t.address} <span className="chip-weight">{t.weight}</span>
                      </li>
                    ))}
                  </ul>
                </td>
                <td data-testid={`service-lb-${s.name}`}>
                  {ALGORITHM_LABELS[s.loadBalancing?.algorithm ?? "round-robin"]}
                  {s.healthCheck && <div className="muted small">health check {s.healthCheck.path} every {s.healthCheck.intervalMs / 1000} s</div>}
                  {s.outlierDetection && <div className="muted small">ejects after {s.outlierDetection.consecutiveFailures} failures</div>}
                  {s.loadBalancing?.hashOn && (
                    <div className="muted small">
                      on {s.loadBalancing.hashOn.source === "ip" ? "client address" : `${s.loadBalancing.hashOn.source} ${s.loadBalancing.hashOn.name}`}
                    </div>
                  )}
                </td>
                <td className="muted">{s.description || "—"}</td>
                <td className="actions-col">
                  <button type="button" className="btn small" data-testid={`edit-service-${s.name}`} onClick={() => startEdit(s)}>
                    Edit
                  </button>
                  <DeleteButton testId={`delete-service-${s.name}`} disabled={remove.isPending} onConfirm={() => remove.mutate(s.name)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
