import { bucketIndex, LATENCY_BOUNDS_MS } from "@bulwark/slo/histogram";
import type { MetricValue } from "./metric-value";
import type { Outcome } from "./rollup-recorder";

const OUTCOMES: readonly Outcome[] = ["proxied", "fallback", "shed", "rate_limited", "rejected"];
const OUTCOME_INDEX: Record<Outcome, number> = { proxied: 0, fallback: 1, shed: 2, rate_limited: 3, rejected: 4 };
const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/** Cumulative traffic of one route and service on this worker, as Prometheus counters need it. */
class RouteTraffic {
  /** [status class][outcome] */
  readonly counts = new Float64Array(CLASSES.length * OUTCOMES.length);
  readonly latency = new Float64Array(LATENCY_BOUNDS_MS.length + 1);
  sumSeconds = 0;
  retries = 0;
  constructor(
    readonly route: string,
    readonly service: string,
  ) {}
}

/**
 * Request counts, latency histograms and retries per route, kept in typed arrays: recording a request is a
 * couple of map lookups and increments; labels are built only when Prometheus scrapes.
 */
export class TrafficCounters {
  private readonly byRoute = new Map<string, Map<string, RouteTraffic>>();

  record(route: string | null, service: string | null, status: number, outcome: Outcome, ms: number, retries: number): void {
    const r = route ?? "";
    const s = service ?? "";
    let services = this.byRoute.get(r);
    if (services === undefined) this.byRoute.set(r, (services = new Map()));
    let t = services.get(s);
    if (t === undefined) services.set(s, (t = new RouteTraffic(r, s)));
    const cls = Math.min(4, Math.max(0, Math.floor(status / 100) - 1));
    t.counts[cls * OUTCOMES.length + OUTCOME_INDEX[outcome]]++;
    t.latency[bucketIndex(ms)]++;
    t.sumSeconds += ms / 1000;
    t.retries += retries;
  }

  private *all(): Generator<RouteTraffic> {
    for (const services of this.byRoute.values()) yield* services.values();
  }

  requests(): MetricValue[] {
    const values: MetricValue[] = [];
    for (const t of this.all()) {
      for (let c = 0; c < CLASSES.length; c++) {
        for (let o = 0; o < OUTCOMES.length; o++) {
          const value = t.counts[c * OUTCOMES.length + o];
          if (value > 0) values.push({ labels: { route: t.route, service: t.service, status_class: CLASSES[c], outcome: OUTCOMES[o] }, value });
        }
      }
    }
    return values;
  }

  /** Prometheus histogram series: cumulative buckets in seconds, +Inf, sum and count. */
  latency(name: string): MetricValue[] {
    const values: MetricValue[] = [];
    for (const t of this.all()) {
      let cumulative = 0;
      for (let i = 0; i < t.latency.length; i++) {
        cumulative += t.latency[i];
        const le = i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i] / 1000 : "+Inf";
        values.push({ metricName: `${name}_bucket`, labels: { route: t.route, service: t.service, le }, value: cumulative });
      }
      values.push({ metricName: `${name}_sum`, labels: { route: t.route, service: t.service }, value: t.sumSeconds });
      values.push({ metricName: `${name}_count`, labels: { route: t.route, service: t.service }, value: cumulative });
    }
    return values;
  }

  retries(): MetricValue[] {
    const values: MetricValue[] = [];
    for (const t of this.all()) if (t.retries > 0) values.push({ labels: { route: t.route, service: t.service }, value: t.retries });
    return values;
  }
}
