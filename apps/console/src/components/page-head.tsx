import type { ReactNode } from "react";

/** A page's title, one-line description and main action. */
export function PageHead({ title, description, action }: { title: string; description: ReactNode; action?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        <p className="muted">{description}</p>
      </div>
      {action}
    </div>
  );
}

/** The outcome of the last action on a page (saved, deleted, or why not). */
export function Notice({ notice }: { notice: { ok: boolean; text: string } | null }) {
  if (!notice) return null;
  return (
    <div className={`banner ${notice.ok ? "ok" : "error"}`} role="status" data-testid="notice">
      {notice.text}
    </div>
  );
}
