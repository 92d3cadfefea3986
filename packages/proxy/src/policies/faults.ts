import type { Route } from "@bulwark/config/schema";
import { GatewayError } from "../errors";
import type { AdmitStep } from "../pipeline/compiled-route";

/** Fault injection (admit phase, last): a delay and/or an abort for a share of requests; null steps when off. */
export function faultSteps(faults: Route["faults"], random: () => number): AdmitStep[] {
  const steps: AdmitStep[] = [];
  const delay = faults?.delay;
  if (delay && delay.percent > 0) {
    const { percent, ms } = delay;
    steps.push((request) => {
      if (random() * 100 >= percent) return;
      request.addResponseHeader("x-bulwark-fault", "delay");
      request.decide("fault", `delay ${ms} ms`);
      return new Promise((ok) => setTimeout(ok, ms));
    });
  }
  const abort = faults?.abort;
  if (abort && abort.percent > 0) {
    const { percent, status } = abort;
    const error = new GatewayError("FAULT_INJECTED", "this request was aborted by the route's fault injection", { "x-bulwark-fault": "abort" }, "rejected", status);
    steps.push((request) => {
      if (random() * 100 < percent) {
        request.decide("fault", `abort ${status}`);
        throw error;
      }
    });
  }
  return steps;
}
