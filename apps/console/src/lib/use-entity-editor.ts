"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { api, fieldMap, queryKeys } from "./api";

/**
 * The create / edit / delete flow every config page shares: a draft, the save and delete calls to /api/v1,
 * the outcome notice and the server's field errors. Pages supply how a draft is made and sent.
 */
export function useEntityEditor<E extends { name: string }, D>(options: {
  kind: "services" | "routes" | "consumers";
  /** "service", "route" or "consumer", for messages. */
  label: string;
  blank: () => D;
  fromEntity: (e: E) => D;
  toBody: (d: D) => unknown;
}) {
  const { kind, label, toBody } = options;
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<D>(options.blank);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);

  const invalidate = () => Promise.all([queryClient.invalidateQueries({ queryKey: queryKeys[kind] }), queryClient.invalidateQueries({ queryKey: queryKeys.draft })]);
  const save = useMutation({
    mutationFn: (d: D) => (editing === null ? api<E>(`/${kind}`, { method: "POST", body: toBody(d) }) : api<E>(`/${kind}/${encodeURIComponent(editing)}`, { method: "PUT", body: toBody(d) })),
    onSuccess: async (e) => {
      setNotice({ ok: true, text: `Saved ${label} ${e.name}. Publish to make it live.` });
      setOpen(false);
      setEditing(null);
      await invalidate();
    },
  });
  // Forms are long: after a refused save, take the operator to the first field to fix (or to the banner).
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!save.error || !formRef.current) return;
    const invalid = formRef.current.querySelector<HTMLElement>('input[aria-invalid="true"], select[aria-invalid="true"], textarea[aria-invalid="true"]');
    if (invalid) invalid.focus();
    else formRef.current.querySelector('[data-testid="form-error"]')?.scrollIntoView({ block: "center" });
  }, [save.error]);
  const remove = useMutation({
    mutationFn: (name: string) => api<void>(`/${kind}/${encodeURIComponent(name)}`, { method: "DELETE" }),
    onSuccess: async (_, name) => {
      setNotice({ ok: true, text: `Deleted ${label} ${name}. Publish to make it live.` });
      await invalidate();
    },
    onError: (e) => setNotice({ ok: false, text: e.message }),
  });
  const startCreate = () => {
    save.reset();
    setEditing(null);
    setDraft(options.blank());
    setOpen(true);
  };
  const startEdit = (e: E) => {
    save.reset();
    setEditing(e.name);
    setDraft(options.fromEntity(e));
    setOpen(true);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    save.mutate(draft);
  };
  const cancel = () => {
    setOpen(false);
    save.reset();
  };
  return { editing, open, draft, setDraft, notice, setNotice, save, remove, errors: fieldMap(save.error), formRef, startCreate, startEdit, submit, cancel };
}
