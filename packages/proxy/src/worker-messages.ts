/** What a worker tells the cluster primary about itself (IPC). */
export interface WorkerStatusMessage {
  type: "bulwark:status";
  id: string;
  pid: number;
  version: number | null;
  hash: string | null;
  appliedAt: string | null;
  rejectedVersion: number | null;
  lastError: string | null;
  source: "database" | "last-known-good" | null;
  ready: boolean;
}

/** The primary asks a worker to stop taking requests and exit once in-flight ones finish. */
export interface DrainMessage {
  type: "bulwark:drain";
}
