import "server-only";
import { outboundFetch, type Resolve } from "@bulwark/config/outbound-fetch";
import type { OutboundPolicy } from "@bulwark/config/outbound-policy";
import type { Slo } from "@bulwark/config/slo";
import type { Db } from "@bulwark/db/client";
import { getSloStatus, type SloStatus } from "@bulwark/db/slos";
import type { AlertState } from "@bulwark/db/slos";

/** Advisory lock key: one console instance evaluates at a time; the others skip that round. */
export const SLO_EVALUATOR_LOCK_KEY = 720_451_004;

export interface AlertChange {
  slo: Slo;
  previous: AlertState;
  status: SloStatus;
  at: Date;
}

export interface WebhookResult {
  slo: string;
  url: string;
  ok: boolean;
  status?: number;
  error?: string;
}

export interface EvaluationResult {
  evaluated: number;
  changes: AlertChange[];
  webhooks: WebhookResult[];
}

export interface EvaluateOptions {
  now?: Date;
  /** How long a webhook receiver gets to answer. */
  webhookTimeoutMs?: number;
  /** The outbound-address rules (default: the environment's) and name resolution (default: the system's). */
  policy?: OutboundPolicy;
  resolve?: Resolve;
  log?: Pick<Console, "warn">;
}

/** The JSON a webhook receives on every alert state change. */
function webhookBody(change: AlertChange) {
  const { slo, status } = change;
  return {
    type: "bulwark.slo.alert",
    slo: slo.name,
    state: status.alert,
    previous: change.previous,
    at: change.at.toISOString(),
    target: slo.target,
    objectivePercent: slo.objectivePercent,
    windowDays: slo.windowDays,
    sli: status.budget.sli,
    budgetRemaining: status.budget.remainingFraction,
    burnRates: status.burnRates,
    firing: status.firing,
  };
}

/**
 * One round of SLO alerting: computes every SLO's burn-rate alert state, and where it differs from the stored one
 * records an event and the new state (in one transaction, under an advisory lock, so two console instances never
 * record the same change twice), then POSTs each change to the SLO's webhook. Returns null when another instance
 * holds the lock. Webhook failures are logged and reported, never thrown.
 */
export async function evaluateSloAlerts(db: Db, options: EvaluateOptions = {}): Promise<EvaluationResult | null> {
  const now = options.now ?? new Date();
  const recorded = await db.$transaction(
    async (tx) => {
      const [{ locked }] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${SLO_EVALUATOR_LOCK_KEY}) AS locked`;
      if (!locked) return null;
      const rows = await tx.sloDefinition.findMany({ orderBy: { name: "asc" } });
      const changes: AlertChange[] = [];
      for (const row of rows) {
        const slo = row.spec as unknown as Slo;
        const status = await getSloStatus(tx as unknown as Db, slo, now);
        const previous = row.alertState as AlertState;
        if (status.alert === previous) continue;
        await tx.sloAlertEvent.create({ data: { sloName: row.name, state: status.alert, previous, burnRates: status.burnRates, at: now } });
        await tx.sloDefinition.update({ where: { id: row.id }, data: { alertState: status.alert } });
        changes.push({ slo, previous, status, at: now });
      }
      return { evaluated: rows.length, changes };
    },
    { maxWait: 10_000, timeout: 120_000 },
  );
  if (!recorded) return null;
  const webhooks = await Promise.all(recorded.changes.filter((c) => c.slo.webhookUrl).map((c) => sendWebhook(c, options)));
  return { ...recorded, webhooks };
}

/**
 * POSTs one change. The URL passed the outbound-address rules when it was saved; its name is checked again here,
 * against the addresses it resolves to now, and the request connects to the checked address (DNS rebinding).
 * Redirects are not followed.
 */
export async function sendWebhook(change: AlertChange, options: EvaluateOptions = {}): Promise<WebhookResult> {
  const url = change.slo.webhookUrl!;
  const log = options.log ?? console;
  try {
    const res = await outboundFetch("webhook", url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "bulwark-console" },
      body: JSON.stringify(webhookBody(change)),
      signal: AbortSignal.timeout(options.webhookTimeoutMs ?? 5_000),
      maxBodyBytes: 0, // the answer's status is all that counts
      policy: options.policy,
      resolve: options.resolve,
    });
    if (!res.ok) log.warn(`[slo-alerts] webhook of SLO ${change.slo.name} (${url}) answered ${res.status}`);
    return { slo: change.slo.name, url, ok: res.ok, status: res.status };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log.warn(`[slo-alerts] webhook of SLO ${change.slo.name} (${url}) failed: ${message}`);
    return { slo: change.slo.name, url, ok: false, error: message };
  }
}
