import "server-only";
import type { Db } from "@bulwark/db/client";
import { compactRollups } from "@bulwark/db/traffic";
import { evaluateSloAlerts } from "./evaluate-slo-alerts";

/** Minute rollups older than this are folded into hourly ones. */
const MINUTE_RETENTION_MS = 48 * 60 * 60_000;

export interface EvaluatorLoop {
  stop(): void;
}

/**
 * Runs SLO alert evaluation every `intervalMs` (each round after the last one finished, so rounds never overlap),
 * and, in the instance that won the round's lock, rollup compaction. A failing round is logged and the next one
 * runs on time: the console must keep serving whatever the database does.
 */
export function startSloEvaluator(db: Db, options: { intervalMs?: number; log?: Pick<Console, "warn" | "error"> } = {}): EvaluatorLoop {
  const intervalMs = options.intervalMs ?? 30_000;
  const log = options.log ?? console;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const round = async () => {
    try {
      const result = await evaluateSloAlerts(db, { log });
      if (result) await compactRollups(db, new Date(Date.now() - MINUTE_RETENTION_MS));
    } catch (error) {
      log.error("[slo-alerts] evaluation round failed:", error instanceof Error ? error.message : error);
    } finally {
      if (!stopped) timer = setTimeout(round, intervalMs).unref();
    }
  };
  timer = setTimeout(round, Math.min(intervalMs, 5_000)).unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
