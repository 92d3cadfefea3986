"use client";

import { useCan } from "@/components/providers";
import { useQuery } from "@tanstack/react-query";
import { LOAD_BALANCING_ALGORITHMS, type LoadBalancing } from "@bulwark/config/schema";
import { api, queryKeys, type Service } from "@/lib/api";
import { useEntityEditor } from "@/lib/use-entity-editor";
import { DeleteButton, FieldMessage, FormBanner } from "@/components/form-bits";
import { Notice, PageHead } from "@/components/page-head";
import { formatMs } from "@/lib/format-units";
import { blankService, blankTarget, fromService, serviceErrorPaths, toServiceBody, type ServiceDraft, type TargetDraft } from "./service-draft";
import { ServicePolicyFields } from "./service-policy-fields";

const ALGORITHM_LABELS: Record<LoadBalancing["algorithm"], string> = {
  "round-robin": "Weighted round-robin",
  "least-requests": "Least outstanding requests",
  "consistent-hash": "Consistent hash (session affinity)",
  "latency-aware": "Latency-aware (peak EWMA)",
};

export function ServicesClient({ initialServices }: { initialServices: Service[] }) {
  const canEdit = useCan("operator");
  const services = useQuery({ queryKey: queryKeys.services, queryFn: () => api<Service[]>("/services"), initialData: initialServices });
  const { editing, open, draft, setDraft, notice, save, remove, errors, formRef, startCreate, startEdit, submit, cancel } = useEntityEditor<Service, ServiceDraft>({
    kind: "services",
    label: "service",
    blank: blankService,
    fromEntity: fromService,
    toBody: toServiceBody,
  });
  const setTarget = (key: number, patch: Partial<TargetDraft>) => setDraft((d) => ({ ...d, targets: d.targets.map((t) => (t.key === key ? { ...t, ...patch } : t)) }));

  return (
    <section>
      <PageHead
        title="Services"
        description="Upstream services and their weighted targets. Changes are drafts until you publish."
        action={
          canEdit && (
            <button type="button" className="btn primary" data-testid="new-service" onClick={startCreate}>
              New service
            </button>
          )
        }
      />
      <Notice notice={notice} />

      {open && (
        <form ref={formRef} className="card form" onSubmit={submit} data-testid="service-form" noValidate>
          <h2>{editing === null ? "New service" : `Edit service ${editing}`}</h2>
          <FormBanner error={save.error} isKnown={serviceErrorPaths(draft)} />
          <div className="grid-2">
            <div className="field">
              <label htmlFor="service-name">Name</label>
              <input
                id="service-name"
                data-testid="service-name"
                value={draft.name}
                aria-invalid={!!errors.name}
                placeholder="catalog"
                onChange={(e) => setDraft({ ...draft, name: e.target.value })}
              />
              <FieldMessage id="name" message={errors.name} />
            </div>
            <div className="field">
              <label htmlFor="service-description">Description</label>
              <input
                id="service-description"
                data-testid="service-description"
                value={draft.description}
                aria-invalid={!!errors.description}
                placeholder="What this service does"
                onChange={(e) => setDraft({ ...draft, description: e.target.value })}
              />
              <FieldMessage id="description" message={errors.description} />
            </div>
          </div>
          <div className="grid-3">
            <div className="field">
              <label htmlFor="service-algorithm">Load balancing</label>
              <select
                id="service-algorithm"
                data-testid="service-algorithm"
                value={draft.algorithm}
                aria-invalid={!!errors["loadBalancing.algorithm"]}
                onChange={(e) => setDraft({ ...draft, algorithm: e.target.value as ServiceDraft["algorithm"] })}
              >
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
                  <select
                    id="service-hash-source"
                    data-testid="service-hash-source"
                    value={draft.hashSource}
                    aria-invalid={!!errors["loadBalancing.hashOn"]}
                    onChange={(e) => setDraft({ ...draft, hashSource: e.target.value as ServiceDraft["hashSource"] })}
                  >
                    <option value="header">a request header</option>
                    <option value="cookie">a cookie</option>
                    <option value="ip">the client address</option>
                  </select>
                  <FieldMessage id="loadBalancing.hashOn" message={errors["loadBalancing.hashOn"]} />
                </div>
                {draft.hashSource !== "ip" && (
                  <div className="field">
                    <label htmlFor="service-hash-name">{draft.hashSource === "header" ? "Header name" : "Cookie name"}</label>
                    <input
                      id="service-hash-name"
                      data-testid="service-hash-name"
                      value={draft.hashName}
                      placeholder={draft.hashSource === "header" ? "x-student-id" : "session"}
                      aria-invalid={!!errors["loadBalancing.hashOn.name"]}
                      onChange={(e) => setDraft({ ...draft, hashName: e.target.value })}
                    />
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
                  <input
                    id={`target-${i}-address`}
                    data-testid={`target-${i}-address`}
                    value={t.address}
                    placeholder="127.0.0.1:4001"
                    aria-invalid={!!errors[`targets.${i}.address`]}
                    onChange={(e) => setTarget(t.key, { address: e.target.value })}
                  />
                  <FieldMessage id={`targets.${i}.address`} message={errors[`targets.${i}.address`] ?? errors[`targets.${i}`]} />
                </div>
                <div className="field weight">
                  <label htmlFor={`target-${i}-weight`}>Weight</label>
                  <input
                    id={`target-${i}-weight`}
                    data-testid={`target-${i}-weight`}
                    type="number"
                    min={0}
                    max={1000}
                    value={t.weight}
                    aria-invalid={!!errors[`targets.${i}.weight`]}
                    onChange={(e) => setTarget(t.key, { weight: e.target.value })}
                  />
                  <FieldMessage id={`targets.${i}.weight`} message={errors[`targets.${i}.weight`]} />
                </div>
                <button
                  type="button"
                  className="btn small ghost remove-target"
                  data-testid={`target-${i}-remove`}
                  disabled={draft.targets.length === 1}
                  onClick={() => setDraft((d) => ({ ...d, targets: d.targets.filter((x) => x.key !== t.key) }))}
                  aria-label={`Remove target ${i + 1}`}
                >
                  Remove
                </button>
              </div>
            ))}
            <FieldMessage id="targets" message={errors.targets} />
            <button type="button" className="btn small" data-testid="add-target" onClick={() => setDraft((d) => ({ ...d, targets: [...d.targets, blankTarget()] }))}>
              + Add target
            </button>
          </fieldset>
          <ServicePolicyFields draft={draft} setDraft={setDraft} errors={errors} />
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
              <th>Balancing and resilience</th>
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
                  {s.loadBalancing?.hashOn && (
                    <div className="muted small">on {s.loadBalancing.hashOn.source === "ip" ? "client address" : `${s.loadBalancing.hashOn.source} ${s.loadBalancing.hashOn.name}`}</div>
                  )}
                  {s.healthCheck && (
                    <div className="muted small">
                      health check {s.healthCheck.path} every {s.healthCheck.intervalMs / 1000} s
                    </div>
                  )}
                  {s.outlierDetection && <div className="muted small">ejects after {s.outlierDetection.consecutiveFailures} failures</div>}
                  {s.circuitBreaker && (
                    <div className="small" data-testid={`service-breaker-${s.name}`}>
                      <span className="chip policy-breaker">breaker</span>{" "}
                      <span className="muted">
                        opens at {s.circuitBreaker.failureRatePercent}% failures, for {formatMs(s.circuitBreaker.openMs)}
                      </span>
                    </div>
                  )}
                </td>
                <td className="muted">{s.description || "—"}</td>
                <td className="actions-col">
                  {canEdit && (
                    <>
                      <button type="button" className="btn small" data-testid={`edit-service-${s.name}`} onClick={() => startEdit(s)}>
                        Edit
                      </button>
                      <DeleteButton testId={`delete-service-${s.name}`} disabled={remove.isPending} onConfirm={() => remove.mutate(s.name)} />
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
