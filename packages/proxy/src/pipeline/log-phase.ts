import type { RequestContext } from "./request-context";

/** Gives back the retry-budget slots the request still holds (a retry waiting or running). */
function releaseRetrySlots(request: RequestContext): void {
  const budget = request.route.runtime.retryBudget;
  if (request.slotInUse) budget.retryFinished();
  if (request.slotReserved) budget.retryFinished();
  request.slotInUse = request.slotReserved = false;
}

/** The log phase: once per request, whatever its outcome; frees what the request held and reports it. */
export function finishRequest(request: RequestContext, status: number, code: string | null): void {
  if (request.finished) return;
  request.finished = true;
  releaseRetrySlots(request);
  if (request.counted) request.route.runtime.retryBudget.requestFinished();
  request.status = status;
  request.errorCode = code;
  request.ms = performance.now() - request.started;
  request.env.log(request);
}
