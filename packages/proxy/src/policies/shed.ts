import type { Route } from "@bulwark/config/schema";
import { GatewayError } from "../errors";
import type { AdmitStep } from "../pipeline/compiled-route";
import { PRIORITY_RANK, type LoadMonitor } from "./load-monitor";

const SHED = new GatewayError("LOAD_SHED", "the gateway is overloaded and sheds this route's traffic first; retry shortly", { "retry-after": "1" }, "shed");

/** Load shedding by priority (admit phase, first): under overload the cheapest answer protects everything after it. */
export function shedStep(priority: Route["priority"], load: LoadMonitor): AdmitStep {
  const rank = PRIORITY_RANK[priority];
  return () => {
    if (load.shouldShed(rank)) throw SHED;
  };
}
