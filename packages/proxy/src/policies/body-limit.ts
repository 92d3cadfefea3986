import { GatewayError } from "../errors";
import type { AdmitStep } from "../pipeline/compiled-route";

const TOO_LARGE = new GatewayError("PAYLOAD_TOO_LARGE", "the request body is larger than this route accepts");

/** A declared length over the route's limit is refused before anything is read; a chunked body is counted while it streams (forwarder). */
export function bodyLimitStep(max: number): AdmitStep {
  return (request) => {
    const declared = request.contentLength;
    if (declared !== undefined && Number(declared) > max) throw TOO_LARGE;
  };
}
