import { formatIssues } from "@bulwark/config/errors";
import { SloSchema, type Slo } from "@bulwark/config/slo";
import { BURN_WINDOWS, BURN_WINDOW_MS, evaluateBurnRateAlerts, type AlertState, type BurnWindow } from "@bulwark/slo/alerts";
import { burnRate, errorBudget, type ErrorBudget, type SliCounts } from "@bulwark/slo/budget";
import { countAtOrUnder } from "@bulwark/slo/histogram";
import type { Db } from "./client";
import { NotFoundError, ValidationError } from "./errors";
import type { Prisma } from "./generated/prisma/client";
import { sumTraffic, type TrafficTotals } from "./traffic-rollups";

function parseSlo(input: unknown): Slo {
  const parsed = SloSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(formatIssues(parsed.error));
  return parsed.data;
}

export async function listSlos(db: Db): Promise<Slo[]> {
  const rows = await db.sloDefinition.findMany({ orderBy: { name: "asc" } });
  return rows.map((r) => r.spec as unknown as Slo);
}

export async function getSlo(db: Db, name: string): Promise<Slo> {
  const row = await db.sloDefinition.findUnique({ where: { name } });
  if (!row) throw new NotFoundError(`SLO ${name} does not exist`);
  return row.spec as unknown as Slo;
}

export async function createSlo(db: Db, input: unknown): Promise<Slo> {
  const slo = parseSlo(input);
  if (await db.sloDefinition.findUnique({ where: { name: slo.name } })) {
    throw new ValidationError([{ path: "name", message: `an SLO named ${slo.name} already exists` }]);
  }
  await db.sloDefinition.create({ data: { name: slo.name, spec: slo as unknown as Prisma.InputJsonValue } });
  return slo;
}

export async function updateSlo(db: Db, name: string, input: unknown): Promise<Slo> {
  const slo = parseSlo(input);
  if (!(await db.sloDefinition.findUnique({ where: { name } }))) throw new NotFoundError(`SLO ${name} does not exist`);
  if (slo.name !== name && (await db.sloDefinition.findUnique({ where: { name: slo.name } }))) {
    throw new ValidationError([{ path: "name", message: `an SLO named ${slo.name} already exists` }]);
  }
  await db.sloDefinition.update({ where: { name }, data: { name: slo.name, spec: slo as unknown as Prisma.InputJsonValue } });
  return slo;
}

export async function deleteSlo(db: Db, name: string): Promise<void> {
  const { count } = await db.sloDefinition.deleteMany({ where: { name } });
  if (!count) throw new NotFoundError(`SLO ${name} does not exist`);
}

/** Good and valid events of an SLO's indicator in a window's traffic. */
export function sliCounts(slo: Slo, t: TrafficTotals): SliCounts {
  if (slo.indicator.type === "latency") return { good: countAtOrUnder(t.latency, slo.indicator.thresholdMs), total: t.requests };
  const bad = t.errors + (slo.indicator.fallbacksCountAsGood ? 0 : t.fallbacks);
  return { good: t.requests - bad, total: t.requests };
}

export interface SloStatus {
  slo: Slo;
  window: SliCounts;
  budget: ErrorBudget;
  burnRates: Record<BurnWindow, number | null>;
  alert: AlertState;
}

/** Where an SLO stands at `now`: SLI and budget over its window, burn rates, and the alert the rates call for. */
export async function getSloStatus(db: Db, slo: Slo, now = new Date()): Promise<SloStatus> {
  const objective = slo.objectivePercent / 100;
  const windowMs = slo.windowDays * 24 * 60 * 60_000;
  const totals = await sumTraffic(db, slo.target, new Date(now.getTime() - windowMs), now);
  const window = sliCounts(slo, totals);
  const burnRates = {} as Record<BurnWindow, number | null>;
  for (const w of BURN_WINDOWS) {
    const t = await sumTraffic(db, slo.target, new Date(now.getTime() - BURN_WINDOW_MS[w]), now);
    burnRates[w] = burnRate(objective, sliCounts(slo, t));
  }
  return { slo, window, budget: errorBudget(objective, window), burnRates, alert: evaluateBurnRateAlerts(burnRates).state };
}
