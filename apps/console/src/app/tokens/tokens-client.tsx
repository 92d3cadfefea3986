"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { TOKEN_EXPIRY_DAYS } from "@bulwark/config/console-access";
import { DeleteButton, Field, FormBanner } from "@/components/form-bits";
import { Notice, PageHead } from "@/components/page-head";
import { api, fieldMap, formatTime } from "@/lib/api";

export interface TokenRow {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdBy: string;
  createdByKind: "user" | "system";
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

function status(t: TokenRow): { label: string; tone: string } {
  if (t.revokedAt) return { label: "revoked", tone: "state-stopped" };
  if (new Date(t.expiresAt).getTime() <= Date.now()) return { label: "expired", tone: "state-stale" };
  return { label: "active", tone: "state-current" };
}

export function TokensClient({ initialTokens }: { initialTokens: TokenRow[] }) {
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: ["tokens"], queryFn: () => api<TokenRow[]>("/tokens"), initialData: initialTokens });
  const [form, setForm] = useState({ name: "", role: "viewer", expiresInDays: "90" });
  const [shown, setShown] = useState<{ name: string; token: string } | null>(null);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["tokens"] });

  const create = useMutation({
    mutationFn: () => api<TokenRow & { token: string }>("/tokens", { method: "POST", body: { ...form, expiresInDays: Number(form.expiresInDays) } }),
    onSuccess: (t) => {
      setShown({ name: t.name, token: t.token });
      setForm({ name: "", role: "viewer", expiresInDays: "90" });
      refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/tokens/${id}`, { method: "DELETE" }),
    onSuccess: () => setNotice({ ok: true, text: "Revoked: it no longer works" }),
    onError: (e) => setNotice({ ok: false, text: e.message }),
    onSettled: refresh,
  });
  const errors = fieldMap(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setShown(null);
    setNotice(null);
    create.mutate();
  };

  return (
    <section>
      <PageHead
        title="API tokens"
        description="For automation and GitOps: sent as Authorization: Bearer. Each has a role and an expiry, and can be revoked at once. A token acts for the user who made it: never above that user's current role, and revoked when the user is disabled or deleted."
      />
      <Notice notice={notice} />
      {shown && (
        <div className="secret-once" data-testid="token-once">
          <strong>Token {shown.name}: shown once. Store it now; only its hash is kept.</strong>
          <code data-testid="token-value">{shown.token}</code>
          <span className="muted">
            <code>
              curl -H &apos;Authorization: Bearer {shown.token.slice(0, 10)}…&apos; {typeof window === "undefined" ? "" : window.location.origin}/api/v1/routes
            </code>
          </span>
          <button type="button" className="btn small" data-testid="token-done" onClick={() => setShown(null)}>
            Done
          </button>
        </div>
      )}
      <form className="card form" onSubmit={submit} data-testid="token-form">
        <FormBanner error={create.error} isKnown={(p) => ["name", "role", "expiresInDays"].includes(p)} />
        <div className="grid-4">
          <Field testId="token-name" label="Name" path="name" errors={errors} value={form.name} onChange={(name) => setForm({ ...form, name })} placeholder="gitops-deploy" />
          <div className="field">
            <label htmlFor="token-role">Role</label>
            <select id="token-role" data-testid="token-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>
              <option value="viewer">viewer</option>
              <option value="operator">operator</option>
              <option value="admin">admin</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="token-expiry">Expires after</label>
            <select id="token-expiry" data-testid="token-expiry" value={form.expiresInDays} onChange={(e) => setForm({ ...form, expiresInDays: e.target.value })}>
              {TOKEN_EXPIRY_DAYS.map((d) => (
                <option key={d} value={d}>
                  {d} day{d === 1 ? "" : "s"}
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit" className="btn primary" data-testid="token-create" disabled={create.isPending}>
          Create token
        </button>
      </form>
      <div className="card table-card">
        <table className="table" data-testid="tokens-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Token</th>
              <th>Created by</th>
              <th>Expires</th>
              <th>Last used</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.data.length === 0 && (
              <tr>
                <td colSpan={8} className="empty">
                  No tokens yet.
                </td>
              </tr>
            )}
            {tokens.data.map((t) => {
              const s = status(t);
              return (
                <tr key={t.id} data-testid={`token-row-${t.name}`}>
                  <td>{t.name}</td>
                  <td>{t.role}</td>
                  <td className="mono">{t.prefix}…</td>
                  <td
                    className="mono"
                    title={t.createdByKind === "system" ? "made from the machine: acts for no user" : "acts for this user: at most their current role, ends when they are disabled or deleted"}
                  >
                    {t.createdByKind === "system" ? "system" : t.createdBy}
                  </td>
                  <td>{formatTime(t.expiresAt)}</td>
                  <td>{formatTime(t.lastUsedAt)}</td>
                  <td>
                    <span className={`badge ${s.tone}`} data-testid={`token-status-${t.name}`}>
                      {s.label}
                    </span>
                  </td>
                  <td className="actions-col">
                    {s.label === "active" && <DeleteButton label="Revoke" testId={`token-revoke-${t.name}`} disabled={revoke.isPending} onConfirm={() => revoke.mutate(t.id)} />}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
