"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { SLO_LATENCY_THRESHOLDS_MS } from "@bulwark/config/slo";
import { Field, FieldMessage, FormBanner } from "@/components/form-bits";
import { api, fieldMap } from "@/lib/api";
import type { Slo } from "@/lib/observability";
import { blankSlo, fromSlo, sloErrorPaths, toSloBody, type SloDraft } from "./slo-draft";

/** Create an SLO (no `editing`) or edit one; the server's field errors are shown at their inputs. */
export function SloForm(props: { editing?: Slo; routes: string[]; services: string[]; onSaved: (slo: Slo) => void; onCancel: () => void }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<SloDraft>(() => (props.editing ? fromSlo(props.editing) : blankSlo(props.routes[0] ?? "")));
  const set = (patch: Partial<SloDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const save = useMutation({
    mutationFn: (d: SloDraft) =>
      props.editing ? api<Slo>(`/slos/${encodeURIComponent(props.editing.name)}`, { method: "PUT", body: toSloBody(d) }) : api<Slo>("/slos", { method: "POST", body: toSloBody(d) }),
    onSuccess: async (slo) => {
      await queryClient.invalidateQueries();
      props.onSaved(slo);
    },
  });
  const errors = fieldMap(save.error);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [save.error]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(draft);
  };
  const names = draft.targetKind === "route" ? props.routes : props.services;

  return (
    <form ref={formRef} className="card form" onSubmit={submit} data-testid="slo-form" noValidate>
      <h2>{props.editing ? `Edit SLO ${props.editing.name}` : "New SLO"}</h2>
      <FormBanner error={save.error} isKnown={sloErrorPaths} />
      <div className="grid-2">
        <Field testId="slo-name" label="Name" path="name" errors={errors} value={draft.name} placeholder="exams-availability" onChange={(name) => set({ name })} />
        <Field
          testId="slo-description"
          label="Description"
          path="description"
          errors={errors}
          value={draft.description}
          placeholder="What this promise means to students"
          onChange={(description) => set({ description })}
        />
      </div>
      <div className="grid-4">
        <div className="field">
          <label htmlFor="slo-target-kind">Measures a</label>
          <select
            id="slo-target-kind"
            data-testid="slo-target-kind"
            value={draft.targetKind}
            aria-invalid={!!errors["target.kind"]}
            onChange={(e) => set({ targetKind: e.target.value as SloDraft["targetKind"], targetName: "" })}
          >
            <option value="route">route</option>
            <option value="service">service</option>
          </select>
          <FieldMessage id="target.kind" message={errors["target.kind"]} />
        </div>
        <div className="field span-2">
          <label htmlFor="slo-target-name">{draft.targetKind === "route" ? "Route" : "Service"}</label>
          <input
            id="slo-target-name"
            data-testid="slo-target-name"
            className="mono"
            list="slo-target-names"
            value={draft.targetName}
            aria-invalid={!!errors["target.name"]}
            placeholder={names[0] ?? "name"}
            onChange={(e) => set({ targetName: e.target.value })}
          />
          <datalist id="slo-target-names">
            {names.map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
          <FieldMessage id="target.name" message={errors["target.name"] ?? errors.target} />
        </div>
        <div className="field">
          <label htmlFor="slo-window">Rolling window</label>
          <select id="slo-window" data-testid="slo-window" value={draft.windowDays} aria-invalid={!!errors.windowDays} onChange={(e) => set({ windowDays: e.target.value as SloDraft["windowDays"] })}>
            <option value="30">30 days</option>
            <option value="28">28 days</option>
          </select>
          <FieldMessage id="windowDays" message={errors.windowDays} />
        </div>
      </div>
      <div className="grid-4">
        <div className="field">
          <label htmlFor="slo-indicator">Indicator (SLI)</label>
          <select
            id="slo-indicator"
            data-testid="slo-indicator"
            value={draft.indicator}
            aria-invalid={!!errors["indicator.type"]}
            onChange={(e) => set({ indicator: e.target.value as SloDraft["indicator"] })}
          >
            <option value="availability">Availability: share of non-5xx answers</option>
            <option value="latency">Latency: share of answers under a threshold</option>
          </select>
          <FieldMessage id="indicator.type" message={errors["indicator.type"] ?? errors.indicator} />
        </div>
        {draft.indicator === "latency" ? (
          <div className="field">
            <label htmlFor="slo-threshold">Threshold (ms)</label>
            <select id="slo-threshold" data-testid="slo-threshold" value={draft.thresholdMs} aria-invalid={!!errors["indicator.thresholdMs"]} onChange={(e) => set({ thresholdMs: e.target.value })}>
              {SLO_LATENCY_THRESHOLDS_MS.map((b) => (
                <option key={b} value={String(b)}>
                  {b} ms
                </option>
              ))}
            </select>
            <FieldMessage id="indicator.thresholdMs" message={errors["indicator.thresholdMs"]} />
          </div>
        ) : (
          <div className="field checkbox-field">
            <label className="checkbox">
              <input type="checkbox" data-testid="slo-fallbacks-good" checked={draft.fallbacksCountAsGood} onChange={(e) => set({ fallbacksCountAsGood: e.target.checked })} />
              Fallback answers count as good
            </label>
            <FieldMessage id="indicator.fallbacksCountAsGood" message={errors["indicator.fallbacksCountAsGood"]} />
          </div>
        )}
        <Field
          testId="slo-objective"
          label="Objective (%)"
          path="objectivePercent"
          errors={errors}
          value={draft.objectivePercent}
          numeric
          placeholder="99.9"
          onChange={(objectivePercent) => set({ objectivePercent })}
          hint="above 50, below 100, up to 3 decimals"
        />
        <Field
          testId="slo-webhook"
          label="Alert webhook (optional)"
          path="webhookUrl"
          errors={errors}
          value={draft.webhookUrl}
          mono
          placeholder="https://hooks.example.edu/slo"
          onChange={(webhookUrl) => set({ webhookUrl })}
        />
      </div>
      <div className="form-actions">
        <button type="submit" className="btn primary" data-testid="slo-save" disabled={save.isPending}>
          {save.isPending ? "Saving…" : props.editing ? "Save changes" : "Create SLO"}
        </button>
        <button type="button" className="btn ghost" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
