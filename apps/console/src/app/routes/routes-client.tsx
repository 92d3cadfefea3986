"use client";

import { useCan } from "@/components/providers";
import { useQuery } from "@tanstack/react-query";
import { HTTP_METHODS, PATH_TYPES, type HttpMethod, type PathType } from "@bulwark/config/schema";
import { api, queryKeys, type Route, type Service } from "@/lib/api";
import { useEntityEditor } from "@/lib/use-entity-editor";
import { DeleteButton, errorsUnder, FieldMessage, FormBanner } from "@/components/form-bits";
import { Notice, PageHead } from "@/components/page-head";
import { blankRoute, fromRoute, routeErrorPaths, toRouteBody, type RouteDraft } from "./route-draft";
import { RoutePolicyBadges } from "./route-policy-badges";
import { RoutePolicyFields } from "./route-policy-fields";
import type { PolicyProps } from "./route-policy-props";

const TIMEOUT_FIELDS = [
  { key: "connectMs", label: "Connect timeout (ms)" },
  { key: "responseHeaderMs", label: "Response header timeout (ms)" },
  { key: "totalMs", label: "Total timeout (ms)" },
] as const;

export function RoutesClient({ initialRoutes, initialServices }: { initialRoutes: Route[]; initialServices: Service[] }) {
  const canEdit = useCan("operator");
  const routes = useQuery({ queryKey: queryKeys.routes, queryFn: () => api<Route[]>("/routes"), initialData: initialRoutes });
  const services = useQuery({ queryKey: queryKeys.services, queryFn: () => api<Service[]>("/services"), initialData: initialServices });
  const { editing, open, draft, setDraft, notice, save, remove, errors, formRef, startCreate, startEdit, submit, cancel } = useEntityEditor<Route, RouteDraft>({
    kind: "routes",
    label: "route",
    blank: () => blankRoute(services.data[0]?.name ?? ""),
    fromEntity: fromRoute,
    toBody: toRouteBody,
  });
  const set = (patch: Partial<RouteDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const patchPolicy: PolicyProps["patch"] = (key, patch) => setDraft((d) => ({ ...d, [key]: { ...d[key], ...patch } }));
  const toggleMethod = (m: HttpMethod) => set({ methods: draft.methods.includes(m) ? draft.methods.filter((x) => x !== m) : [...draft.methods, m] });
  const serviceNames = services.data.map((s) => s.name);
  const serviceMissing = draft.service !== "" && !serviceNames.includes(draft.service);
  const withBreaker = new Set(services.data.filter((s) => s.circuitBreaker).map((s) => s.name));
  const faulty = routes.data.filter((r) => r.faults);

  return (
    <section>
      <PageHead
        title="Routes"
        description="Which requests go to which service. Changes are drafts until you publish."
        action={
          canEdit && (
            <button type="button" className="btn primary" data-testid="new-route" onClick={startCreate}>
              New route
            </button>
          )
        }
      />
      <Notice notice={notice} />
      {faulty.length > 0 && (
        <div className="banner warn" role="status" data-testid="faults-warning">
          <strong>Fault injection is configured</strong> on {faulty.length === 1 ? "route" : "routes"}{" "}
          {faulty.map((r, i) => (
            <span key={r.name}>
              {i > 0 && ", "}
              <code>{r.name}</code>
            </span>
          ))}
          : they abort or delay some requests on purpose once published.
        </div>
      )}

      {open && (
        <form ref={formRef} className="card form" onSubmit={submit} data-testid="route-form" noValidate>
          <h2>{editing === null ? "New route" : `Edit route ${editing}`}</h2>
          <FormBanner error={save.error} isKnown={routeErrorPaths(draft)} />
          <div className="grid-2">
            <div className="field">
              <label htmlFor="route-name">Name</label>
              <input id="route-name" data-testid="route-name" value={draft.name} placeholder="courses" aria-invalid={!!errors.name} onChange={(e) => set({ name: e.target.value })} />
              <FieldMessage id="name" message={errors.name} />
            </div>
            <div className="field">
              <label htmlFor="route-service">Service</label>
              <select id="route-service" data-testid="route-service" value={draft.service} aria-invalid={!!errors.service} onChange={(e) => set({ service: e.target.value })}>
                <option value="">Choose a service…</option>
                {serviceMissing && <option value={draft.service}>{draft.service} (missing)</option>}
                {serviceNames.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
              <FieldMessage id="service" message={errors.service} />
            </div>
            <div className="field">
              <label htmlFor="route-path">Path</label>
              <input id="route-path" data-testid="route-path" className="mono" value={draft.path} placeholder="/courses" aria-invalid={!!errors.path} onChange={(e) => set({ path: e.target.value })} />
              <FieldMessage id="path" message={errors.path} />
            </div>
            <div className="field">
              <label htmlFor="route-path-type">Path type</label>
              <select id="route-path-type" data-testid="route-path-type" value={draft.pathType} aria-invalid={!!errors.pathType} onChange={(e) => set({ pathType: e.target.value as PathType })}>
                {PATH_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
              <FieldMessage id="pathType" message={errors.pathType} />
            </div>
            <div className="field span-2">
              <label htmlFor="route-hosts">Hosts (comma-separated; empty = any host)</label>
              <input
                id="route-hosts"
                data-testid="route-hosts"
                className="mono"
                value={draft.hosts}
                placeholder="api.example.edu, *.example.edu"
                aria-invalid={!!errorsUnder(errors, "hosts")}
                onChange={(e) => set({ hosts: e.target.value })}
              />
              <FieldMessage id="hosts" message={errorsUnder(errors, "hosts")} />
            </div>
          </div>
          <fieldset className="methods" aria-invalid={!!errorsUnder(errors, "methods")}>
            <legend>Methods (none checked = any method)</legend>
            <div className="checkbox-row">
              {HTTP_METHODS.map((m) => (
                <label key={m} className="checkbox">
                  <input type="checkbox" data-testid={`route-method-${m}`} checked={draft.methods.includes(m)} onChange={() => toggleMethod(m)} />
                  {m}
                </label>
              ))}
            </div>
            <FieldMessage id="methods" message={errorsUnder(errors, "methods")} />
          </fieldset>
          <div className="field">
            <label className="checkbox">
              <input type="checkbox" data-testid="route-strip-prefix" checked={draft.stripPrefix} onChange={(e) => set({ stripPrefix: e.target.checked })} />
              Strip the matched prefix before forwarding
            </label>
            <FieldMessage id="stripPrefix" message={errors.stripPrefix} />
          </div>
          <div className="grid-3">
            {TIMEOUT_FIELDS.map((f) => (
              <div className="field" key={f.key}>
                <label htmlFor={`route-${f.key}`}>{f.label}</label>
                <input
                  id={`route-${f.key}`}
                  data-testid={`route-${f.key}`}
                  type="number"
                  min={1}
                  value={draft[f.key]}
                  aria-invalid={!!errors[`timeouts.${f.key}`]}
                  onChange={(e) => set({ [f.key]: e.target.value } as Partial<RouteDraft>)}
                />
                <FieldMessage id={`timeouts.${f.key}`} message={errors[`timeouts.${f.key}`]} />
              </div>
            ))}
          </div>
          <FieldMessage id="timeouts" message={errors.timeouts} />
          <RoutePolicyFields draft={draft} set={set} patch={patchPolicy} errors={errors} serviceNames={serviceNames} sent={save.variables} />
          <div className="form-actions">
            <button type="submit" className="btn primary" data-testid="route-save" disabled={save.isPending}>
              {save.isPending ? "Saving…" : editing === null ? "Create route" : "Save changes"}
            </button>
            <button type="button" className="btn ghost" onClick={cancel}>
              Cancel
            </button>
          </div>
        </form>
      )}

      <div className="card table-card">
        <table className="table" data-testid="routes-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Hosts</th>
              <th title="routes that list no methods match any method">Path and methods</th>
              <th>Service</th>
              <th title="connect / response header / total, in ms">Timeouts (ms)</th>
              <th>Policies</th>
              <th className="actions-col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {routes.data.length === 0 && (
              <tr>
                <td colSpan={7} className="empty">
                  No routes yet. Create a service first, then a route to it.
                </td>
              </tr>
            )}
            {routes.data.map((r) => (
              <tr key={r.name} data-testid={`route-row-${r.name}`}>
                <td className="strong mono">{r.name}</td>
                <td className="stack">
                  {r.hosts.length ? (
                    r.hosts.map((h) => (
                      <div key={h} className="mono">
                        {h}
                      </div>
                    ))
                  ) : (
                    <span className="muted">any</span>
                  )}
                </td>
                <td className="nowrap">
                  <span className="mono">{r.path}</span>
                  <span className="tags">
                    <span className={`tag tag-${r.pathType}`}>{r.pathType}</span>
                    {r.stripPrefix && (
                      <span className="tag" title="the matched prefix is stripped before forwarding">
                        strip prefix
                      </span>
                    )}
                  </span>
                  {r.methods.length > 0 && (
                    <ul className="chips route-methods">
                      {r.methods.map((m) => (
                        <li key={m} className="chip method">
                          {m}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td className="mono">{r.service}</td>
                <td className="timeouts">
                  <div>
                    <span className="muted">connect</span> {r.timeouts.connectMs}
                  </div>
                  <div>
                    <span className="muted">header</span> {r.timeouts.responseHeaderMs}
                  </div>
                  <div>
                    <span className="muted">total</span> {r.timeouts.totalMs}
                  </div>
                </td>
                <td data-testid={`route-policies-${r.name}`}>
                  <RoutePolicyBadges route={r} breaker={withBreaker.has(r.service)} />
                </td>
                <td className="actions-col">
                  {canEdit && (
                    <>
                      <button type="button" className="btn small" data-testid={`edit-route-${r.name}`} onClick={() => startEdit(r)}>
                        Edit
                      </button>
                      <DeleteButton testId={`delete-route-${r.name}`} disabled={remove.isPending} onConfirm={() => remove.mutate(r.name)} />
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
