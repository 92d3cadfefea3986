/** One sample of a metric as the collectors hand it to prom-client when Prometheus scrapes. */
export interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}
