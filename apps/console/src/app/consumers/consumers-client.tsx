"use client";

import { useCan } from "@/components/providers";
import { useQuery } from "@tanstack/react-query";
import { api, queryKeys, type Consumer } from "@/lib/api";
import { useEntityEditor } from "@/lib/use-entity-editor";
import { DeleteButton, FieldMessage, FormBanner } from "@/components/form-bits";
import { Notice, PageHead } from "@/components/page-head";
import { blankConsumer, consumerErrorPaths, fromConsumer, toConsumerBody, type ConsumerDraft } from "./consumer-draft";
import { KeyList, KeyReveal, MAX_KEYS, useApiKeys, useLiveKeyIds } from "./consumer-keys";

export function ConsumersClient({ initialConsumers }: { initialConsumers: Consumer[] }) {
  const canEdit = useCan("operator");
  const consumers = useQuery({ queryKey: queryKeys.consumers, queryFn: () => api<Consumer[]>("/consumers"), initialData: initialConsumers });
  const { editing, open, draft, setDraft, notice, setNotice, save, remove, errors, formRef, startCreate, startEdit, submit, cancel } = useEntityEditor<Consumer, ConsumerDraft>({
    kind: "consumers",
    label: "consumer",
    blank: blankConsumer,
    fromEntity: fromConsumer,
    toBody: toConsumerBody,
  });
  const keys = useApiKeys(setNotice);
  const live = useLiveKeyIds();

  return (
    <section>
      <PageHead
        title="Consumers"
        description={
          <>
            Applications and partners that call the gateway with an API key. A route with key auth accepts the key of any consumer and passes its name upstream in <code>x-consumer-name</code>. Changes
            are drafts until you publish.
          </>
        }
        action={
          canEdit && (
            <button type="button" className="btn primary nowrap" data-testid="new-consumer" onClick={startCreate}>
              New consumer
            </button>
          )
        }
      />
      <Notice notice={notice} />
      {keys.revealed && <KeyReveal revealed={keys.revealed} onDone={keys.dismiss} />}

      {open && (
        <form ref={formRef} className="card form" onSubmit={submit} data-testid="consumer-form" noValidate>
          <h2>{editing === null ? "New consumer" : `Edit consumer ${editing}`}</h2>
          <FormBanner error={save.error} isKnown={consumerErrorPaths} />
          <div className="grid-2">
            <div className="field">
              <label htmlFor="consumer-name">Name</label>
              <input
                id="consumer-name"
                data-testid="consumer-name"
                value={draft.name}
                placeholder="mobile-app"
                aria-invalid={!!errors.name}
                onChange={(e) => setDraft({ ...draft, name: e.target.value })}
              />
              {!errors.name && <p className="field-hint">What upstreams see in x-consumer-name, and what JWTs name in their consumer claim.</p>}
              <FieldMessage id="name" message={errors.name} />
            </div>
            <div className="field">
              <label htmlFor="consumer-description">Description</label>
              <input
                id="consumer-description"
                data-testid="consumer-description"
                value={draft.description}
                placeholder="Who this is and whom to call about it"
                aria-invalid={!!errors.description}
                onChange={(e) => setDraft({ ...draft, description: e.target.value })}
              />
              <FieldMessage id="description" message={errors.description} />
            </div>
          </div>
          {editing === null && <p className="muted small form-note">Make its API keys after creating it: each key is shown once.</p>}
          <div className="form-actions">
            <button type="submit" className="btn primary" data-testid="consumer-save" disabled={save.isPending}>
              {save.isPending ? "Saving…" : editing === null ? "Create consumer" : "Save changes"}
            </button>
            <button type="button" className="btn ghost" onClick={cancel}>
              Cancel
            </button>
          </div>
        </form>
      )}

      <div className="card table-card">
        <table className="table consumers-table" data-testid="consumers-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Description</th>
              <th title="only the id and creation time of a key are kept in view; the key itself is shown once">API keys</th>
              <th className="actions-col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {consumers.data.length === 0 && (
              <tr>
                <td colSpan={4} className="empty">
                  No consumers yet. Create one for each application or partner that calls the gateway.
                </td>
              </tr>
            )}
            {consumers.data.map((c) => {
              const full = c.apiKeys.length >= MAX_KEYS;
              return (
                <tr key={c.name} data-testid={`consumer-row-${c.name}`}>
                  <td className="strong mono">{c.name}</td>
                  <td className="muted" data-testid={`consumer-description-${c.name}`}>
                    {c.description || "—"}
                  </td>
                  <td className="keys-cell">
                    <KeyList consumer={c} live={live} busy={keys.revoke.isPending} onRevoke={(id) => keys.revoke.mutate({ consumer: c.name, id })} />
                    {canEdit && (
                      <button
                        type="button"
                        className="btn small"
                        data-testid={`new-key-${c.name}`}
                        disabled={keys.create.isPending || full}
                        title={full ? `a consumer can have at most ${MAX_KEYS} keys: revoke one first` : "makes a key and shows it once"}
                        onClick={() => keys.create.mutate(c.name)}
                      >
                        {keys.create.isPending && keys.create.variables === c.name ? "Making key…" : "+ New key"}
                      </button>
                    )}
                  </td>
                  <td className="actions-col">
                    {canEdit && (
                      <>
                        <button type="button" className="btn small" data-testid={`edit-consumer-${c.name}`} onClick={() => startEdit(c)}>
                          Edit
                        </button>
                        <DeleteButton testId={`delete-consumer-${c.name}`} disabled={remove.isPending} onConfirm={() => remove.mutate(c.name)} />
                      </>
                    )}
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
