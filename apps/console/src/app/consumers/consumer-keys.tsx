"use client";

import { useCan } from "@/components/providers";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api, ApiError, formatTime, queryKeys, type Consumer, type DraftStatus, type VersionDetail } from "@/lib/api";
import { DeleteButton } from "@/components/form-bits";

type Notice = { ok: boolean; text: string } | null;
export interface RevealedKey {
  consumer: string;
  id: string;
  key: string;
}
export const MAX_KEYS = 20;

const path = (consumer: string, id?: string) => `/consumers/${encodeURIComponent(consumer)}/keys${id ? `/${encodeURIComponent(id)}` : ""}`;
const describe = (e: Error) => [e.message, ...(e instanceof ApiError ? e.fields.map((f) => f.message) : [])].join(": ");

/**
 * Making and revoking keys. A new key lives only in this component's state: the server keeps its hash, so once
 * the panel is closed (or the page reloaded) it is gone for good.
 */
export function useApiKeys(setNotice: (n: Notice) => void) {
  const queryClient = useQueryClient();
  const [revealed, setRevealed] = useState<RevealedKey | null>(null);
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: queryKeys.consumers }), queryClient.invalidateQueries({ queryKey: queryKeys.draft })]);
  const create = useMutation({
    mutationFn: async (consumer: string): Promise<RevealedKey> => ({ consumer, ...(await api<{ id: string; key: string }>(path(consumer), { method: "POST" })) }),
    onMutate: () => {
      setNotice(null);
      setRevealed(null);
    },
    onSuccess: async (k) => {
      setRevealed({ consumer: k.consumer, id: k.id, key: k.key });
      await refresh();
    },
    onError: (e) => setNotice({ ok: false, text: `No key was made: ${describe(e)}` }),
  });
  const revoke = useMutation({
    mutationFn: ({ consumer, id }: { consumer: string; id: string }) => api<void>(path(consumer, id), { method: "DELETE" }),
    onSuccess: async (_, { consumer, id }) => {
      setNotice({ ok: true, text: `Revoked key ${id} of ${consumer}. The gateway accepts it until you publish.` });
      setRevealed((r) => (r?.id === id ? null : r));
      await refresh();
    },
    onError: (e) => setNotice({ ok: false, text: `The key was not revoked: ${describe(e)}` }),
  });
  return { revealed, dismiss: () => setRevealed(null), create, revoke };
}

/** Ids of the keys in the live (published) version: the others do not open any route yet. */
export function useLiveKeyIds(): Set<string> | null {
  const draft = useQuery({ queryKey: queryKeys.draft, queryFn: () => api<DraftStatus>("/draft") });
  const latest = draft.data?.latestVersion ?? 0;
  const live = useQuery({
    queryKey: [...queryKeys.versions, latest],
    queryFn: () => api<VersionDetail>(`/versions/${latest}`),
    enabled: latest > 0,
    staleTime: Infinity, // published versions never change
  });
  if (!draft.data) return null;
  if (latest === 0) return new Set();
  const consumers = (live.data?.config as { consumers?: Consumer[] } | undefined)?.consumers;
  return live.data ? new Set((consumers ?? []).flatMap((c) => c.apiKeys.map((k) => k.id))) : null;
}

/** The one time a key is shown: copy it, then close the panel. */
export function KeyReveal({ revealed, onDone }: { revealed: RevealedKey; onDone: () => void }) {
  // The key that was copied, not a flag: a newly revealed key starts out not copied without an extra render.
  const [copiedKey, setCopiedKey] = useState<string | null>(null);
  const copied = copiedKey === revealed.key;
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, [revealed.key]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(revealed.key);
    } catch {
      // No clipboard API outside secure contexts: copy the selection instead.
      input.current?.select();
      document.execCommand("copy");
    }
    setCopiedKey(revealed.key);
  };
  return (
    <section className="card key-reveal" aria-labelledby="key-reveal-title" data-testid="key-reveal">
      <h2 id="key-reveal-title">
        New API key for <span className="mono">{revealed.consumer}</span>
      </h2>
      <p className="key-reveal-warning" data-testid="key-reveal-note">
        <strong>Store it now: it will not be shown again.</strong> Bulwark keeps only its hash. It takes effect when you publish.
      </p>
      <div className="key-reveal-row">
        <input ref={input} readOnly className="mono" value={revealed.key} aria-label={`New API key for ${revealed.consumer}`} data-testid="key-value" onFocus={(e) => e.target.select()} />
        <button type="button" className="btn primary" data-testid="key-copy" onClick={copy}>
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" className="btn" data-testid="key-done" onClick={onDone}>
          I have stored it
        </button>
      </div>
      <p className="muted small">
        Key id <code>{revealed.id}</code>. Clients send the key in the header their route names (<code>x-api-key</code> unless changed).
      </p>
    </section>
  );
}

/** A consumer's keys in the table: id, age, whether it is live yet, and Revoke. */
export function KeyList({ consumer, live, onRevoke, busy }: { consumer: Consumer; live: Set<string> | null; onRevoke: (id: string) => void; busy: boolean }) {
  const canEdit = useCan("operator");
  if (!consumer.apiKeys.length) return <p className="muted key-none">No keys yet</p>;
  return (
    <ul className="key-list" data-testid={`keys-${consumer.name}`}>
      {consumer.apiKeys.map((k) => (
        <li key={k.id} data-testid={`key-row-${k.id}`}>
          <code>{k.id}</code>
          <span className="muted small">created {formatTime(k.createdAt)}</span>
          {live && !live.has(k.id) && (
            <span className="chip policy-breaker" title="made after the live version: publish to make it work" data-testid={`key-unpublished-${k.id}`}>
              not published
            </span>
          )}
          {canEdit && <DeleteButton label="Revoke" testId={`revoke-key-${k.id}`} disabled={busy} onConfirm={() => onRevoke(k.id)} />}
        </li>
      ))}
    </ul>
  );
}
