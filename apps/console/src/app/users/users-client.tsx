"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { DeleteButton, Field, FormBanner } from "@/components/form-bits";
import { Notice, PageHead } from "@/components/page-head";
import { api, fieldMap, formatTime } from "@/lib/api";

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: "admin" | "operator" | "viewer";
  disabled: boolean;
  createdAt: string;
}

const ROLE_HELP = "admin: everything, users and tokens; operator: edit and publish config, SLOs, consumers; viewer: read only";

export function UsersClient({ initialUsers, me }: { initialUsers: UserRow[]; me: string }) {
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ["users"], queryFn: () => api<UserRow[]>("/users"), initialData: initialUsers });
  const [form, setForm] = useState({ email: "", name: "", role: "viewer", password: "" });
  const [created, setCreated] = useState<{ email: string; password: string } | null>(null);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["users"] });

  const create = useMutation({
    mutationFn: () => api<{ user: UserRow; password?: string }>("/users", { method: "POST", body: { ...form, password: form.password || undefined } }),
    onSuccess: (r) => {
      setCreated(r.password ? { email: r.user.email, password: r.password } : null);
      setNotice({ ok: true, text: `Created ${r.user.email}` });
      setForm({ email: "", name: "", role: "viewer", password: "" });
      refresh();
    },
  });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: object }) => api<UserRow>(`/users/${id}`, { method: "PUT", body }),
    onSuccess: (u) => setNotice({ ok: true, text: `Saved ${u.email}` }),
    onError: (e) => setNotice({ ok: false, text: e.message }),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/users/${id}`, { method: "DELETE" }),
    onSuccess: () => setNotice({ ok: true, text: "Deleted" }),
    onError: (e) => setNotice({ ok: false, text: e.message }),
    onSettled: refresh,
  });
  const errors = fieldMap(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    create.mutate();
  };

  return (
    <section>
      <PageHead title="Users" description={`Who can sign in to the console, and with which role (${ROLE_HELP}).`} />
      <Notice notice={notice} />
      {created && (
        <div className="secret-once" data-testid="user-password-once">
          <strong>Password for {created.email}: shown once, give it to them now.</strong>
          <code data-testid="user-password">{created.password}</code>
        </div>
      )}
      <form className="card form" onSubmit={submit} data-testid="user-form">
        <FormBanner error={create.error} isKnown={(p) => ["email", "name", "role", "password"].includes(p)} />
        <div className="grid-4">
          <Field testId="user-email" label="Email" path="email" errors={errors} value={form.email} onChange={(email) => setForm({ ...form, email })} />
          <Field testId="user-name" label="Name" path="name" errors={errors} value={form.name} onChange={(name) => setForm({ ...form, name })} />
          <div className="field">
            <label htmlFor="user-role">Role</label>
            <select id="user-role" data-testid="user-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>
              <option value="viewer">viewer</option>
              <option value="operator">operator</option>
              <option value="admin">admin</option>
            </select>
          </div>
          <Field
            testId="user-password-input"
            type="password"
            label="Password"
            path="password"
            errors={errors}
            value={form.password}
            onChange={(password) => setForm({ ...form, password })}
            hint="Leave empty to make a random one, shown once."
          />
        </div>
        <button type="submit" className="btn primary" data-testid="user-create" disabled={create.isPending}>
          Add user
        </button>
      </form>
      <div className="card table-card">
        <table className="table" data-testid="users-table">
          <thead>
            <tr>
              <th>Email</th>
              <th>Name</th>
              <th>Role</th>
              <th>Status</th>
              <th>Created</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.data.map((u) => (
              <tr key={u.id} data-testid={`user-row-${u.email}`}>
                <td className="mono">{u.email}</td>
                <td>{u.name}</td>
                <td>
                  <select
                    aria-label={`Role of ${u.email}`}
                    data-testid={`user-role-${u.email}`}
                    value={u.role}
                    disabled={update.isPending}
                    onChange={(e) => update.mutate({ id: u.id, body: { role: e.target.value } })}
                  >
                    <option value="viewer">viewer</option>
                    <option value="operator">operator</option>
                    <option value="admin">admin</option>
                  </select>
                </td>
                <td>{u.disabled ? <span className="badge state-stale">disabled</span> : <span className="badge state-current">active</span>}</td>
                <td>{formatTime(u.createdAt)}</td>
                <td className="actions-col">
                  {u.id !== me && (
                    <>
                      <button type="button" className="btn small" data-testid={`user-toggle-${u.email}`} onClick={() => update.mutate({ id: u.id, body: { disabled: !u.disabled } })}>
                        {u.disabled ? "Enable" : "Disable"}
                      </button>
                      <DeleteButton testId={`user-delete-${u.email}`} disabled={remove.isPending} onConfirm={() => remove.mutate(u.id)} />
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
