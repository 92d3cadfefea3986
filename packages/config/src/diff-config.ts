import type { GatewayConfig } from "./schema";
import { canonicalJson } from "./hash-config";

export interface ConfigChange {
  kind: "service" | "route" | "consumer";
  name: string;
  change: "added" | "removed" | "changed";
}

function diffByName<T extends { name: string }>(kind: ConfigChange["kind"], before: T[], after: T[]): ConfigChange[] {
  const old = new Map(before.map((e) => [e.name, canonicalJson(e)]));
  const changes: ConfigChange[] = [];
  for (const e of after) {
    const prev = old.get(e.name);
    if (prev === undefined) changes.push({ kind, name: e.name, change: "added" });
    else if (prev !== canonicalJson(e)) changes.push({ kind, name: e.name, change: "changed" });
    old.delete(e.name);
  }
  for (const name of old.keys()) changes.push({ kind, name, change: "removed" });
  return changes;
}

/** What a publish changes, entity by entity, for the versions list. */
export function diffConfig(before: GatewayConfig, after: GatewayConfig): ConfigChange[] {
  return [...diffByName("service", before.services, after.services), ...diffByName("route", before.routes, after.routes), ...diffByName("consumer", before.consumers, after.consumers)];
}
