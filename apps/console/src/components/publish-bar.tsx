"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useCan } from "./providers";
import { api, pendingLabel, queryKeys, type DraftStatus, type VersionSummary } from "@/lib/api";

/** Header: the latest published version, how many changes wait, and the Publish action. */
export function PublishBar({ initialDraft }: { initialDraft: DraftStatus }) {
  const queryClient = useQueryClient();
  const canPublish = useCan("operator");
  const [message, setMessage] = useState("");
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const draft = useQuery({ queryKey: queryKeys.draft, queryFn: () => api<DraftStatus>("/draft"), initialData: initialDraft, refetchInterval: 5_000 });
  const publish = useMutation({
    mutationFn: () => api<VersionSummary>("/publish", { method: "POST", body: { message: message.trim() || undefined } }),
    onSuccess: (v) => {
      setMessage("");
      setResult({ ok: true, text: `Published version ${v.version}` });
    },
    onError: (e) => setResult({ ok: false, text: e.message }),
    onSettled: () => queryClient.invalidateQueries(),
  });
  const pending = draft.data.pending.length;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setResult(null);
    publish.mutate();
  };
  return (
    <header className="top-bar">
      <div className="top-bar-status">
        <span className="muted">Live version</span>
        <span className="version-pill" data-testid="latest-version">
          {draft.data.latestVersion === 0 ? "none" : `v${draft.data.latestVersion}`}
        </span>
        <span className={pending ? "pending-count has-pending" : "pending-count"} data-testid="pending-count" title={draft.data.pending.map((c) => `${c.change} ${c.kind} ${c.name}`).join("\n")}>
          {pendingLabel(pending)}
        </span>
      </div>
      {!canPublish && (
        <span className="muted read-only-note" data-testid="read-only">
          Read only: your role cannot publish
        </span>
      )}
      {canPublish && (
        <form className="publish-form" onSubmit={submit}>
          {result && (
            <span role="status" className={result.ok ? "publish-result ok" : "publish-result error"} data-testid="publish-result">
              {result.text}
            </span>
          )}
          <label className="sr-only" htmlFor="publish-message">
            Publish message
          </label>
          <input id="publish-message" data-testid="publish-message" placeholder="What changed? (optional)" value={message} maxLength={500} onChange={(e) => setMessage(e.target.value)} />
          <button type="submit" className="btn primary" data-testid="publish-button" disabled={publish.isPending || pending === 0}>
            {publish.isPending ? "Publishing…" : "Publish"}
          </button>
        </form>
      )}
    </header>
  );
}
