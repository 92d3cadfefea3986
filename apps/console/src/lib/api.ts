import type { FieldError } from "@bulwark/config/errors";
import type { Consumer, Route as StoredRoute, Service } from "@bulwark/config/schema";
import type { Redacted } from "@bulwark/config/secret-marker";
import type { ConfigChange } from "@bulwark/config/diff";
import type { WorkerState } from "@bulwark/db/workers";

/** JSON as it crosses the wire: dates become strings. */
export type Jsonify<T> = T extends Date ? string : T extends (infer U)[] ? Jsonify<U>[] : T extends object ? { [K in keyof T]: Jsonify<T[K]> } : T;

export function toJson<T>(value: T): Jsonify<T> {
  return JSON.parse(JSON.stringify(value)) as Jsonify<T>;
}

export type { Consumer, Service, ConfigChange, FieldError };
/** A route as the API answers it: its secrets are markers (set, fingerprint), never values. */
export type Route = Redacted<StoredRoute>;

export interface VersionSummary {
  version: number;
  hash: string;
  author: string;
  message: string;
  createdAt: string;
  changes: ConfigChange[];
}
export interface VersionDetail extends VersionSummary {
  config: unknown;
}
export interface DraftStatus {
  latestVersion: number;
  pending: ConfigChange[];
}
interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  lastHeartbeatAt: string;
  version: number | null;
  versionHash: string | null;
  appliedAt: string | null;
  rejectedVersion: number | null;
  lastError: string | null;
  stoppedAt: string | null;
  state: WorkerState;
  warning: string | null;
}
export interface WorkersView {
  latestVersion: number;
  workers: WorkerRow[];
}

/** An error answer from /api/v1, with the field errors a form shows inline. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
    readonly id?: string,
  ) {
    super(message);
  }
}

/**
 * The UI's one way to call the admin API. The session cookie goes along by itself (same origin), and the
 * browser adds the Origin header the server checks on every change. A 401 means the session ended.
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`/api/v1${path}`, {
    method: init.method ?? "GET",
    headers: { "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    cache: "no-store",
  });
  if (res.status === 401 && typeof window !== "undefined") {
    // A plain function, not a component (no router here); a full load also drops the expired session's cached data.
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination
    window.location.assign(`/sign-in?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
  }
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; fields?: FieldError[]; id?: string } } | null)?.error;
    const message = e?.code === "INTERNAL" ? `Internal error (id ${e.id})` : (e?.message ?? `request failed with status ${res.status}`);
    throw new ApiError(res.status, e?.code ?? "HTTP_" + res.status, message, e?.fields ?? [], e?.id);
  }
  return data as T;
}

/** Field errors keyed by path (`targets.0.address`); errors without a matching input are shown in the form banner. */
export function fieldMap(error: unknown): Record<string, string> {
  const map: Record<string, string> = {};
  if (error instanceof ApiError) for (const f of error.fields) map[f.path] = map[f.path] ? `${map[f.path]}; ${f.message}` : f.message;
  return map;
}

export const queryKeys = {
  services: ["services"] as const,
  routes: ["routes"] as const,
  consumers: ["consumers"] as const,
  versions: ["versions"] as const,
  draft: ["draft"] as const,
  workers: ["workers"] as const,
};

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

export function pendingLabel(n: number): string {
  return n === 0 ? "No unpublished changes" : `${n} unpublished change${n === 1 ? "" : "s"}`;
}
