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
  /** A warm spare: config loaded, not listening until the primary promotes it. */
  spare: boolean;
  /** Services whose circuit breaker is not closed on this worker. */
  breakers: Record<string, "open" | "half-open">;
}

/**
 * The primary drains a worker in two stages: "announce" (every answer says Connection: close and idle kept-alive
 * connections are closed, while the listener still accepts), then "stop-accepting" (the listener closes; the
 * worker exits once its open connections are done).
 */
export interface DrainMessage {
  type: "bulwark:drain";
  stage: "announce" | "stop-accepting";
}

/** A worker tells the primary which targets to check, for the version it just applied. */
export interface HealthTargetsMessage {
  type: "bulwark:health-targets";
  version: number;
  checks: { service: string; address: string; check: import("@bulwark/config/schema").HealthCheck }[];
}

/** The primary tells every worker a target's health changed (and, to a new worker, every target that is down). */
export interface HealthVerdictMessage {
  type: "bulwark:health";
  service: string;
  address: string;
  healthy: boolean;
}

/** A worker's open client connections, every report interval. */
export interface ConnectionsMessage {
  type: "bulwark:connections";
  open: number;
}

/** The primary tells the workers how many client connections each should hold. */
export interface FairShareMessage {
  type: "bulwark:fair-share";
  fair: number;
  /** The receiving worker's open connections as the primary counted them. */
  basis: number;
}

/** The primary promotes a warm spare to a serving worker: it starts listening (and heartbeating) now. */
export interface PromoteMessage {
  type: "bulwark:promote";
}
