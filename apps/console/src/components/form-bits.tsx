"use client";

import { useState } from "react";
import { ApiError } from "@/lib/api";

/** The server's message for one field, shown right under its input. */
export function FieldMessage({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p className="field-error" id={`${id}-error`} data-testid={`error-${id}`} role="alert">
      {message}
    </p>
  );
}

/** Form-level banner: what failed, plus any field error the form has no input for. */
export function FormBanner({ error, isKnown }: { error: unknown; isKnown: (path: string) => boolean }) {
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  const orphans = apiError?.fields.filter((f) => !isKnown(f.path)) ?? [];
  const headline =
    apiError?.code === "VALIDATION_FAILED" ? "Nothing was saved: fix the fields marked below." : (error as Error).message || "Request failed";
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
export function DeleteButton({ onConfirm, testId, disabled }: { onConfirm: () => void; testId: string; disabled?: boolean }) {
  const [armed, setArmed] = useState(false);
  if (!armed) {
    return (
      <button type="button" className="btn small danger-ghost" data-testid={testId} disabled={disabled} onClick={() => setArmed(true)}>
        Delete
      </button>
    );
  }
  return (
    <span className="confirm-group">
      <button type="button" className="btn small danger" data-testid={`${testId}-confirm`} disabled={disabled} onClick={() => { setArmed(false); onConfirm(); }}>
        Confirm
      </button>
      <button type="button" className="btn small ghost" onClick={() => setArmed(false)}>
        Cancel
      </button>
    </span>
  );
}
