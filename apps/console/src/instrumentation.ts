/**
 * Next calls register() once per server process: the console's background work (SLO alert evaluation and rollup
 * compaction) starts here, in the Node.js runtime only, and not while `next build` runs.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  if (process.env.BULWARK_SLO_EVALUATOR === "off" || !process.env.DATABASE_URL) return;
  const [{ getDb }, { startSloEvaluator }] = await Promise.all([import("./server/db"), import("./server/slo/start-slo-evaluator")]);
  const interval = Number(process.env.BULWARK_SLO_EVAL_INTERVAL_MS);
  startSloEvaluator(getDb(), { intervalMs: interval > 0 ? interval : undefined });
}
