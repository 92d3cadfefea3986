"use client";

import { useState, type ReactNode } from "react";
import { ApiError } from "@/lib/api";

export type FieldErrors = Record<string, string>;

/** Errors at `base` and below it (`retries.statuses.1`), joined: list elements are shown at the list's input. */
export function errorsUnder(errors: FieldErrors, base: string): string | undefined {
  return (
    Object.entries(errors)
      .filter(([p]) => p === base || p.startsWith(`${base}.`))
      .map(([, m]) => m)
      .join("; ") || undefined
  );
}

/** The server's message for one field, shown right under its input. */
export function FieldMessage({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p className="field-error" id={`${id}-error`} data-testid={`error-${id}`} role="alert">
      {message}
    </p>
  );
}

/**
 * A labelled input with the server's message for it. Numbers are typed as text so the server judges exactly what
 * was typed (a number input would turn "12x" into "" and silently apply the default).
 */
export function Field(props: {
  testId: string;
  label: ReactNode;
  /** The error path shown here; `nested` also collects errors below it. */
  path: string;
  errors: FieldErrors;
  nested?: boolean;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  numeric?: boolean;
  mono?: boolean;
  hint?: ReactNode;
  /** "password" for secrets: masked, and never offered to the browser's password manager. */
  type?: "text" | "password" | "url";
}) {
  const error = props.nested ? errorsUnder(props.errors, props.path) : props.errors[props.path];
  return (
    <div className="field">
      <label htmlFor={props.testId}>{props.label}</label>
      <input
        id={props.testId}
        data-testid={props.testId}
        type={props.type}
        autoComplete={props.type === "password" ? "new-password" : undefined}
        className={props.mono ? "mono" : undefined}
        inputMode={props.numeric ? "decimal" : undefined}
        value={props.value}
        placeholder={props.placeholder}
        aria-invalid={!!error}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.hint && !error && <p className="field-hint">{props.hint}</p>}
      <FieldMessage id={props.path} message={error} />
    </div>
  );
}

/**
 * An optional policy: a checkbox in the legend (`{testId}-enabled`) switches it on and reveals its fields. `path` is
 * the policy's own error path (`faults`), for rules about the policy as a whole; it is shown even while it is off.
 * `warn` marks a policy that hurts traffic on purpose (fault injection) while it is on.
 */
export function PolicyFieldset(props: {
  testId: string;
  title: string;
  description?: ReactNode;
  enabled: boolean;
  onToggle: (enabled: boolean) => void;
  path?: string;
  errors?: FieldErrors;
  warn?: boolean;
  children: ReactNode;
}) {
  const error = props.path ? props.errors?.[props.path] : undefined;
  const tone = props.enabled ? (props.warn ? " on warn" : " on") : "";
  return (
    <fieldset className={`policy${tone}`} data-testid={`${props.testId}-section`}>
      <legend>
        <label className="checkbox">
          <input type="checkbox" data-testid={`${props.testId}-enabled`} checked={props.enabled} onChange={(e) => props.onToggle(e.target.checked)} />
          {props.title}
        </label>
      </legend>
      {props.description && <p className="policy-description">{props.description}</p>}
      {props.enabled && props.children}
      {props.path && <FieldMessage id={props.path} message={error} />}
    </fieldset>
  );
}

/** Form-level banner: what failed, plus any field error the form has no input for. */
export function FormBanner({ error, isKnown }: { error: unknown; isKnown: (path: string) => boolean }) {
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  const orphans = apiError?.fields.filter((f) => !isKnown(f.path)) ?? [];
  const headline = apiError?.code === "VALIDATION_FAILED" ? "Nothing was saved: fix the fields marked below." : (error as Error).message || "Request failed";
  return (
    <div className="banner error" role="alert" data-testid="form-error">
      <strong>{headline}</strong>
      {orphans.length > 0 && (
        <ul>
          {orphans.map((f) => (
            <li key={f.path + f.message}>
              <code>{f.path || "(config)"}</code> {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A delete button that asks once more inline instead of a browser dialog. */
export function DeleteButton({ onConfirm, testId, disabled, label = "Delete" }: { onConfirm: () => void; testId: string; disabled?: boolean; label?: string }) {
  const [armed, setArmed] = useState(false);
  if (!armed) {
    return (
      <button type="button" className="btn small danger-ghost" data-testid={testId} disabled={disabled} onClick={() => setArmed(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm-group">
      <button
        type="button"
        className="btn small danger"
        data-testid={`${testId}-confirm`}
        disabled={disabled}
        onClick={() => {
          setArmed(false);
          onConfirm();
        }}
      >
        {label === "Delete" ? "Confirm" : `Confirm ${label.toLowerCase()}`}
      </button>
      <button type="button" className="btn small ghost" onClick={() => setArmed(false)}>
        Cancel
      </button>
    </span>
  );
}
