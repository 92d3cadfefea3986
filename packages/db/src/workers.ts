import type { Db } from "./client";

export interface WorkerReport {
  id: string;
  host: string;
  pid: number;
  startedAt: Date;
  version: number | null;
  versionHash: string | null;
  appliedAt: Date | null;
  rejectedVersion: number | null;
  lastError: string | null;
}

/** Heartbeats older than this many intervals mark a worker as gone. */
export const HEARTBEAT_STALE_FACTOR = 3;
export const DEFAULT_HEARTBEAT_MS = 5_000;

export async function recordHeartbeat(db: Db, report: WorkerReport): Promise<void> {
  const data = {
    host: report.host,
    pid: report.pid,
    startedAt: report.startedAt,
    lastHeartbeatAt: new Date(),
    version: report.version,
    versionHash: report.versionHash,
    appliedAt: report.appliedAt,
    rejectedVersion: report.rejectedVersion,
    lastError: report.lastError,
    stoppedAt: null,
  };
  await db.worker.upsert({ where: { id: report.id }, create: { id: report.id, ...data }, update: data });
}

export async function markWorkerStopped(db: Db, id: string): Promise<void> {
  await db.worker.updateMany({ where: { id }, data: { stoppedAt: new Date() } });
}

export type WorkerState = "current" | "lagging" | "rejected" | "starting" | "stale" | "stopped";

export interface WorkerView extends WorkerReport {
  lastHeartbeatAt: Date;
  stoppedAt: Date | null;
  state: WorkerState;
  /** Human-readable reason for any state other than current. */
  warning: string | null;
}

/**
 * Workers with their state against the latest version. A worker that reported a rejected version newer than
 * the one it runs is flagged even if it is otherwise alive.
 */
export async function listWorkers(db: Db, options: { heartbeatMs?: number; includeGoneAfterMs?: number; now?: Date } = {}): Promise<{ latestVersion: number; workers: WorkerView[] }> {
  const now = options.now ?? new Date();
  const staleMs = (options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS) * HEARTBEAT_STALE_FACTOR;
  const since = new Date(now.getTime() - (options.includeGoneAfterMs ?? 60 * 60_000));
  const [rows, latest] = await Promise.all([
    db.worker.findMany({ where: { lastHeartbeatAt: { gte: since } }, orderBy: [{ host: "asc" }, { startedAt: "asc" }] }),
    db.configVersion.findFirst({ orderBy: { version: "desc" }, select: { version: true } }),
  ]);
  const latestVersion = latest?.version ?? 0;
  const workers = rows.map((w): WorkerView => {
    let state: WorkerState = "current";
    let warning: string | null = null;
    if (w.stoppedAt) {
      state = "stopped";
      warning = "stopped";
    } else if (now.getTime() - w.lastHeartbeatAt.getTime() > staleMs) {
      state = "stale";
      warning = `no heartbeat for ${Math.round((now.getTime() - w.lastHeartbeatAt.getTime()) / 1000)} s`;
    } else if (w.rejectedVersion !== null && w.rejectedVersion > (w.version ?? 0)) {
      state = "rejected";
      warning = `refused version ${w.rejectedVersion}: ${w.lastError ?? "unknown error"}`;
    } else if (w.version === null) {
      state = "starting";
      warning = "no config loaded yet";
    } else if (w.version < latestVersion) {
      state = "lagging";
      warning = `runs version ${w.version}, latest is ${latestVersion}`;
    }
    return { ...w, state, warning };
  });
  return { latestVersion, workers };
}
