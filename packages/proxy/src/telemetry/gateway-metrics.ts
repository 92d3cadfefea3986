import { AggregatorRegistry, Registry, type RegistryContentType } from "prom-client";
import type { MetricValue } from "./metric-value";

type MetricType = "counter" | "gauge" | "histogram";

/**
 * A metric whose values are read from the gateway's own counters when Prometheus scrapes, rather than kept by
 * prom-client per request. `sum` adds the workers' values up in the primary; per-worker gauges carry a `worker`
 * label, so each worker's series stays its own.
 */
export function collected(name: string, help: string, type: MetricType, values: () => MetricValue[]) {
  const metric = {
    name,
    help,
    type,
    aggregator: "sum" as const,
    get: async () => ({ name, help, type, aggregator: "sum" as const, values: values() }),
    reset: () => {},
  };
  return metric;
}

let workerRegistry: Registry | null = null;
let scraped = true;

/**
 * Whether this worker's metrics are in the primary's /metrics. A warm spare's are not (it answers the scrape
 * with nothing): /metrics describes the serving workers, whose per-worker gauges a spare would double.
 */
export function setScraped(visible: boolean): void {
  scraped = visible;
  AggregatorRegistry.setRegistries(visible && workerRegistry !== null ? [workerRegistry] : []);
}

/** A worker's registry: the primary's /metrics asks every worker for it over IPC and adds them up. */
export function createWorkerRegistry(metrics: ReturnType<typeof collected>[]): Registry {
  const registry = new Registry();
  for (const m of metrics) registry.registerMetric(m as unknown as Parameters<Registry["registerMetric"]>[0]);
  workerRegistry = registry;
  setScraped(scraped);
  new AggregatorRegistry(); // installs the IPC listener that answers the primary's requests
  return registry;
}

/** In the cluster primary: every worker's metrics summed, then the primary's own. */
export async function clusterMetricsText(aggregator: AggregatorRegistry<RegistryContentType>, own: Registry): Promise<string> {
  let workers = "";
  try {
    workers = await aggregator.clusterMetrics();
  } catch {
    // a worker that does not answer (starting, dying) must not take /metrics down
  }
  return `${workers.trimEnd()}\n${(await own.metrics()).trimEnd()}\n`;
}
