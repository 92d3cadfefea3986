import type { Route } from "@bulwark/config/schema";
import type { CompiledService, RouteStep } from "../pipeline/compiled-route";

/** Traffic split (route phase): a header match or a share of requests goes to another service. */
export function splitStep(route: Route, services: ReadonlyMap<string, CompiledService>, random: () => number): RouteStep | null {
  const split = route.split;
  if (!split) return null;
  const other = services.get(split.service);
  if (!other) throw new Error(`route ${route.name} splits traffic to unknown service ${split.service}`);
  const header = split.header?.name.toLowerCase() ?? null;
  const value = split.header?.value ?? null;
  const percent = split.percent;
  return (request) => {
    const sent = header === null ? undefined : request.req.headers[header];
    if ((sent !== undefined && sent === value) || (percent > 0 && random() * 100 < percent)) request.service = other;
  };
}
