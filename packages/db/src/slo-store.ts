import { formatIssues } from "@bulwark/config/errors";
import type { GatewayConfig } from "@bulwark/config/schema";
import { SloSchema, type Slo } from "@bulwark/config/slo";
import { BURN_WINDOWS, BURN_WINDOW_MS, evaluateBurnRateAlerts, type AlertState, type BurnRateRule, type BurnWindow } from "@bulwark/slo/alerts";
import { budgetBurnDown, burnRate, errorBudget, type ErrorBudget, type SliCounts } from "@bulwark/slo/budget";
import { countAtOrUnder } from "@bulwark/slo/histogram";
import { recordAudit, type AuditContext } from "./audit-store";
import type { Db } from "./client";
import { NotFoundError, ValidationError } from "./errors";
import type { Prisma } from "./generated/prisma/client";
import { rollupSeries, sumTrafficWindows, type TrafficTotals } from "./traffic-rollups";

export type { AlertState, BurnRateRule, BurnWindow, ErrorBudget, SliCounts };

const DAY_MS = 24 * 60 * 60_000;

function parseSlo(input: unknown): Slo {
  const parsed = SloSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(formatIssues(parsed.error));
  return parsed.data;
}

/** An SLO must measure something that exists: a service or route of the draft or of the live (published) config. */
async function checkTarget(db: Db, slo: Slo): Promise<void> {
  const { kind, name } = slo.target;
  const inDraft = kind === "service" ? await db.service.findUnique({ where: { name } }) : await db.route.findUnique({ where: { name } });
  if (inDraft) return;
  const live = await db.configVersion.findFirst({ orderBy: { version: "desc" }, select: { config: true } });
  const config = live?.config as unknown as GatewayConfig | undefined;
  if ((kind === "service" ? config?.services : config?.routes)?.some((e) => e.name === name)) return;
  throw new ValidationError([{ path: "target.name", message: `refers to ${kind} ${name}, which does not exist` }]);
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

export async function createSlo(db: Db, input: unknown, audit?: AuditContext): Promise<Slo> {
  const slo = parseSlo(input);
  if (await db.sloDefinition.findUnique({ where: { name: slo.name } })) {
    throw new ValidationError([{ path: "name", message: `an SLO named ${slo.name} already exists` }]);
  }
  await checkTarget(db, slo);
  await db.$transaction(async (tx) => {
    await tx.sloDefinition.create({ data: { name: slo.name, spec: slo as unknown as Prisma.InputJsonValue } });
    if (audit) await recordAudit(tx, audit, { action: "slo.create", targetType: "slo", target: slo.name, before: null, after: slo });
  });
  return slo;
}

export async function updateSlo(db: Db, name: string, input: unknown, audit?: AuditContext): Promise<Slo> {
  const slo = parseSlo(input);
  const current = await db.sloDefinition.findUnique({ where: { name } });
  if (!current) throw new NotFoundError(`SLO ${name} does not exist`);
  if (slo.name !== name && (await db.sloDefinition.findUnique({ where: { name: slo.name } }))) {
    throw new ValidationError([{ path: "name", message: `an SLO named ${slo.name} already exists` }]);
  }
  await checkTarget(db, slo);
  // A renamed SLO keeps its alert history.
  await db.$transaction(async (tx) => {
    await tx.sloDefinition.update({ where: { name }, data: { name: slo.name, spec: slo as unknown as Prisma.InputJsonValue } });
    await tx.sloAlertEvent.updateMany({ where: { sloName: name }, data: { sloName: slo.name } });
    if (audit) await recordAudit(tx, audit, { action: "slo.update", targetType: "slo", target: name, before: current.spec, after: slo });
  });
  return slo;
}

export async function deleteSlo(db: Db, name: string, audit?: AuditContext): Promise<void> {
  // Its alert history goes with it, so a new SLO of the same name starts clean.
  await db.$transaction(async (tx) => {
    const current = await tx.sloDefinition.findUnique({ where: { name } });
    if (!current) throw new NotFoundError(`SLO ${name} does not exist`);
    await tx.sloDefinition.delete({ where: { name } });
    await tx.sloAlertEvent.deleteMany({ where: { sloName: name } });
    if (audit) await recordAudit(tx, audit, { action: "slo.delete", targetType: "slo", target: name, before: current.spec, after: null });
  });
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
  /** The rules the burn rates trip now (both of a rule's windows at or over its threshold). */
  firing: BurnRateRule[];
}

/** Where an SLO stands at `now`: SLI and budget over its window, burn rates, and the alert the rates call for. */
export async function getSloStatus(db: Db, slo: Slo, now = new Date()): Promise<SloStatus> {
  const objective = slo.objectivePercent / 100;
  const [whole, ...burns] = await sumTrafficWindows(db, slo.target, now, [slo.windowDays * DAY_MS, ...BURN_WINDOWS.map((w) => BURN_WINDOW_MS[w])]);
  const window = sliCounts(slo, whole);
  const burnRates = Object.fromEntries(BURN_WINDOWS.map((w, i) => [w, burnRate(objective, sliCounts(slo, burns[i]))])) as Record<BurnWindow, number | null>;
  const { state, firing } = evaluateBurnRateAlerts(burnRates);
  return { slo, window, budget: errorBudget(objective, window), burnRates, alert: state, firing };
}

export interface SloReport extends SloStatus {
  name: string;
  evaluatedAt: Date;
  /** The state the alert evaluator last recorded, and since when (null: never changed). */
  recorded: { state: AlertState; since: Date | null };
}

async function report(db: Db, row: { name: string; spec: unknown; alertState: string }, now: Date): Promise<SloReport> {
  const [status, last] = await Promise.all([getSloStatus(db, row.spec as Slo, now), db.sloAlertEvent.findFirst({ where: { sloName: row.name }, orderBy: { at: "desc" }, select: { at: true } })]);
  return { name: row.name, evaluatedAt: now, ...status, recorded: { state: row.alertState as AlertState, since: last?.at ?? null } };
}

/** GET /slos/{name}/status. */
export async function getSloReport(db: Db, name: string, now = new Date()): Promise<SloReport> {
  const row = await db.sloDefinition.findUnique({ where: { name } });
  if (!row) throw new NotFoundError(`SLO ${name} does not exist`);
  return report(db, row, now);
}

const SEVERITY: Record<AlertState, number> = { page: 2, ticket: 1, ok: 0 };

/** Every SLO's report, worst first: paging, then ticketing, then by budget left; SLOs without traffic last. */
export async function listSloReports(db: Db, now = new Date()): Promise<SloReport[]> {
  const rows = await db.sloDefinition.findMany({ orderBy: { name: "asc" } });
  const reports = await Promise.all(rows.map((r) => report(db, r, now)));
  const noData = (r: SloReport) => (r.window.total === 0 ? 1 : 0);
  return reports.sort((a, b) => SEVERITY[b.alert] - SEVERITY[a.alert] || noData(a) - noData(b) || a.budget.remainingFraction - b.budget.remainingFraction || a.name.localeCompare(b.name));
}

export interface SloHistory {
  name: string;
  objectivePercent: number;
  /** The chosen range: SLI and burn rate per bucket. */
  bucketSeconds: number;
  points: { t: number; good: number; total: number; sli: number | null; burnRate: number | null }[];
  /** The whole SLO window: share of the window's budget left after each bucket. */
  burnDown: { bucketSeconds: number; points: { t: number; remaining: number }[] };
}

/** SLI and burn rate over a range, and the budget burn-down over the SLO's window. */
export async function getSloHistory(db: Db, name: string, range: { ms: number; bucketSeconds: number }, now = new Date()): Promise<SloHistory> {
  const slo = await getSlo(db, name);
  const objective = slo.objectivePercent / 100;
  const rangeStep = range.bucketSeconds * 1000;
  const windowStep = 7200_000;
  const [recent, window] = await Promise.all([
    rollupSeries(db, slo.target, new Date(Math.ceil((now.getTime() - range.ms) / rangeStep) * rangeStep), now, range.bucketSeconds),
    rollupSeries(db, slo.target, new Date(Math.ceil((now.getTime() - slo.windowDays * DAY_MS) / windowStep) * windowStep), now, windowStep / 1000),
  ]);
  const remaining = budgetBurnDown(
    objective,
    window.map((b) => sliCounts(slo, b)),
  );
  return {
    name,
    objectivePercent: slo.objectivePercent,
    bucketSeconds: range.bucketSeconds,
    points: recent.map((b) => {
      const c = sliCounts(slo, b);
      return { t: b.t, ...c, sli: c.total ? c.good / c.total : null, burnRate: burnRate(objective, c) };
    }),
    burnDown: { bucketSeconds: windowStep / 1000, points: window.map((b, i) => ({ t: b.t, remaining: remaining[i] })) },
  };
}

export interface SloAlertEventView {
  id: string;
  sloName: string;
  state: AlertState;
  previous: AlertState;
  burnRates: Record<BurnWindow, number | null>;
  at: Date;
}

/** An SLO's alert state changes, newest first. */
export async function listSloAlerts(db: Db, name: string, limit = 100): Promise<SloAlertEventView[]> {
  await getSlo(db, name);
  const rows = await db.sloAlertEvent.findMany({ where: { sloName: name }, orderBy: [{ at: "desc" }, { id: "desc" }], take: Math.min(Math.max(limit, 1), 500) });
  return rows.map((r) => ({
    id: r.id.toString(),
    sloName: r.sloName,
    state: r.state as AlertState,
    previous: r.previous as AlertState,
    burnRates: r.burnRates as Record<BurnWindow, number | null>,
    at: r.at,
  }));
}
