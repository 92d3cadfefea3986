import { finishRequest } from "./log-phase";
import { startForward } from "./forward-phase";
import type { RequestContext } from "./request-context";
import { respondError } from "./respond-phase";

/**
 * Runs a routed request through its route's chain: admit steps in order (one that returns a promise resumes the
 * rest when it settles), route steps, then the forward phase; respond and log follow from its outcome. Anything
 * a step throws becomes the request's error answer.
 */
export function runPipeline(request: RequestContext, from = 0): void {
  const chain = request.route.chain;
  const admit = chain.admit;
  try {
    for (let i = from; i < admit.length; i++) {
      const wait = admit[i](request);
      if (wait !== undefined) {
        wait.then(
          () => (request.res.destroyed ? finishRequest(request, 499, null) : runPipeline(request, i + 1)),
          (error: unknown) => respondError(request, error),
        );
        return;
      }
    }
    const routing = chain.route;
    for (let i = 0; i < routing.length; i++) routing[i](request);
  } catch (error) {
    respondError(request, error);
    return;
  }
  startForward(request);
}
