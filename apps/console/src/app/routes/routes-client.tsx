"use client";

import { useQuery } from "@tanstack/react-query";
import { DEFAULT_TIMEOUTS, HTTP_METHODS, PATH_TYPES, type HttpMethod, type PathType } from "@bulwark/config/schema";
import { api, queryKeys, type Route, type Service } from "@/lib/api";
import { useEntityEditor } from "@/lib/use-entity-editor";
import { DeleteButton, FieldMessage, FormBanner } from "@/components/form-bits";
import { Notice, PageHead } from "@/components/page-head";

interface RouteDraft {
  name: string;
  hosts: string;
  path: string;
  pathType: PathType;
  methods: HttpMethod[];
  service: string;
  stripPrefix: boolean;
  connectMs: string;
  responseHeaderMs: string;
  totalMs: string;
}

const TIMEOUT_FIELDS = [
  { key: "connectMs", label: "Connect timeout (ms)" },
  { key: "responseHeaderMs", label: "Response header timeout (ms)" },
  { key: "totalMs", label: "Total timeout (ms)" },
] as const;

const blank = (service = ""): RouteDraft => ({
  name: "",
  hosts: "",
  path: "/",
  pathType: "prefix",
  methods: [],
  service,
  stripPrefix: false,
  connectMs: String(DEFAULT_TIMEOUTS.connectMs),
  responseHeaderMs: String(DEFAULT_TIMEOUTS.responseHeaderMs),
  totalMs: String(DEFAULT_TIMEOUTS.totalMs),
});
const fromRoute = (r: Route): RouteDraft => ({
  name: r.name,
  hosts: r.hosts.join(", "),
  path: r.path,
  pathType: r.pathType,
  methods: [...r.methods],
  service: r.service,
  stripPrefix: r.stripPrefix,
  connectMs: String(r.timeouts.connectMs),
  responseHeaderMs: String(r.timeouts.responseHeaderMs),
  totalMs: String(r.timeouts.totalMs),
});
// Blank number fields are left out so the schema's defaults apply; anything else goes as typed and the server judges it.
const num = (v: string) => (v.trim() === "" ? undefined : Number(v));
const toBody = (d: RouteDraft) => ({
  name: d.name.trim(),
  hosts: d.hosts.split(",").map((h) => h.trim()).filter(Boolean),
  path: d.path.trim(),
  pathType: d.pathType,
  methods: HTTP_METHODS.filter((m) => d.methods.includes(m)),
  service: d.service,
  stripPrefix: d.stripPrefix,
  timeouts: { connectMs: num(d.connectMs), responseHeaderMs: num(d.responseHeaderMs), totalMs: num(d.totalMs) },
});
const KNOWN = new Set(["name", "hosts", "path", "pathType", "methods", "service", "stripPrefix", "timeouts", "timeouts.connectMs", "timeouts.responseHeaderMs", "timeouts.totalMs"]);
const isKnownPath = (p: string) => KNOWN.has(p) || /^(hosts|methods)\.\d+$/.test(p);
/** Errors on one list element (`hosts.1`) are shown at the list's input. */
const collect = (errors: Record<string, string>, base: string) =>
  Object.entries(errors)
    .filter(([p]) => p === base || p.startsWith(`${base}.`))
    .map(([, m]) => m)
    .join("; ") || undefined;

export function RoutesClient({ initialRoutes, initialServices }: { initialRoutes: Route[]; initialServices: Service[] }) {
  const routes = useQuery({ queryKey: queryKeys.routes, queryFn: () => api<Route[]>("/routes"), initialData: initialRoutes });
  const services = useQuery({ queryKey: queryKeys.services, queryFn: () => api<Service[]>("/services"), initialData: initialServices });
  const { editing, open, draft, setDraft, notice, save, remove, errors, startCreate, startEdit, submit, cancel } = useEntityEditor<Route, RouteDraft>({
    kind: "routes",
    label: "route",
    blank: () => blank(services.data[0]?.name ?? ""),
    fromEntity: fromRoute,
    toBody,
  });
  const set = (patch: Partial<RouteDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const toggleMethod = (m: HttpMethod) => set({ methods: draft.methods.includes(m) ? draft.methods.filter((x) => x !== m) : [...draft.methods, m] });
  const serviceNames = services.data.map((s) => s.name);
  const serviceMissing = draft.service !== "" && !serviceNames.includes(draft.service);

  return (
    <section>
      <PageHead
        title="Routes"
        description="Which requests go to which service. Changes are drafts until you publish."
        action={
          <button type="button" className="btn primary" data-testid="new-route" onClick={startCreate}>
            New route
          </button>
        }
      />
      <Notice notice={notice} />

      {open && (
        <form className="card form" onSubmit={submit} data-testid="route-form" noValidate>
          <h2>{editing === null ? "New route" : `Edit route ${editing}`}</h2>
          <FormBanner error={save.error} isKnown={isKnownPath} />
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
              <input id="route-hosts" data-testid="route-hosts" className="mono" value={draft.hosts} placeholder="api.example.edu, *.example.edu" aria-invalid={!!collect(errors, "hosts")} onChange={(e) => set({ hosts: e.target.value })} />
              <FieldMessage id="hosts" message={collect(errors, "hosts")} />
            </div>
          </div>
          <fieldset className="methods" aria-invalid={!!collect(errors, "methods")}>
            <legend>Methods (none checked = any method)</legend>
            <div className="checkbox-row">
              {HTTP_METHODS.map((m) => (
                <label key={m} className="checkbox">
                  <input type="checkbox" data-testid={`route-method-${m}`} checked={draft.methods.includes(m)} onChange={() => toggleMethod(m)} />
                  {m}
                </label>
              ))}
            </div>
            <FieldMessage id="methods" message={collect(errors, "methods")} />
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
                <input id={`route-${f.key}`} data-testid={`route-${f.key}`} type="number" min={1} value={draft[f.key]} aria-invalid={!!errors[`timeouts.${f.key}`]} onChange={(e) => set({ [f.key]: e.target.value } as Partial<RouteDraft>)} />
                <FieldMessage id={`timeouts.${f.key}`} message={errors[`timeouts.${f.key}`]} />
              </div>
            ))}
          </div>
          <FieldMessage id="timeouts" message={errors.timeouts} />
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
              <th>Path</th>
              <th>Methods</th>
              <th>Service</th>
              <th title="strip the matched prefix before forwarding">Strip</th>
              <th title="connect / response header / total, in ms">Timeouts (ms)</th>
              <th className="actions-col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {routes.data.length === 0 && (
              <tr>
                <td colSpan={8} className="empty">
                  No routes yet. Create a service first, then a route to it.
                </td>
              </tr>
            )}
            {routes.data.map((r) => (
              <tr key={r.name} data-testid={`route-row-${r.name}`}>
                <td className="strong mono">{r.name}</td>
                <td className="stack">{r.hosts.length ? r.hosts.map((h) => <div key={h} className="mono">{h}</div>) : <span className="muted">any</span>}</td>
                <td className="nowrap">
                  <span className="mono">{r.path}</span> <span className={`tag tag-${r.pathType}`}>{r.pathType}</span>
                </td>
                <td>
                  {r.methods.length ? (
                    <ul className="chips">
                      {r.methods.map((m) => (
                        <li key={m} className="chip method">
                          {m}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">any</span>
                  )}
                </td>
                <td className="mono">{r.service}</td>
                <td>{r.stripPrefix ? "yes" : <span className="muted">no</span>}</td>
                <td className="timeouts">
                  <div><span className="muted">connect</span> {r.timeouts.connectMs}</div>
                  <div><span className="muted">header</span> {r.timeouts.responseHeaderMs}</div>
                  <div><span className="muted">total</span> {r.timeouts.totalMs}</div>
                </td>
                <td className="actions-col">
                  <button type="button" className="btn small" data-testid={`edit-route-${r.name}`} onClick={() => startEdit(r)}>
                    Edit
                  </button>
                  <DeleteButton testId={`delete-route-${r.name}`} disabled={remove.isPending} onConfirm={() => remove.mutate(r.name)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
