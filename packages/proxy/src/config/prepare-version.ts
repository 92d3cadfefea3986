import { formatIssues } from "@bulwark/config/errors";
import { parseConfigInSlices } from "@bulwark/config/parse-in-slices";
import type { GatewayConfig } from "@bulwark/config/schema";
import type { GatewayRuntime } from "../pipeline/gateway-runtime";
import { compileSnapshotInSlices, type RuntimeRegistry, type Snapshot } from "./compile-snapshot";
import { EventLoopSlices } from "./event-loop-slices";
import type { StoredVersion } from "./last-known-good";

/**
 * Parses (the shared schema) and compiles a stored version into a snapshot, off the request path: in slices of
 * the event loop, so requests keep being answered on the running snapshot while this one is built. Nothing is
 * swapped here; the caller swaps one reference when this resolves. Throws when the version does not parse or
 * compile.
 */
export async function prepareVersion(
  v: StoredVersion,
  registry: RuntimeRegistry,
  runtime: GatewayRuntime,
  slices: EventLoopSlices = new EventLoopSlices(),
): Promise<{ snapshot: Snapshot; config: GatewayConfig }> {
  const parsed = await parseConfigInSlices(v.config, slices);
  if (!parsed.success) {
    const first = formatIssues(parsed.error)
      .slice(0, 3)
      .map((f) => `${f.path}: ${f.message}`);
    throw new Error(`invalid config: ${first.join("; ")}`);
  }
  if (slices.due()) await slices.yield();
  const snapshot = await compileSnapshotInSlices(parsed.data, { version: v.version, hash: v.hash }, registry, runtime, slices);
  return { snapshot, config: parsed.data };
}
