import { request } from "node:http";
import type { Logger } from "pino";
import type { HealthCheck } from "@bulwark/config/schema";
import { parseAddress } from "@bulwark/config/schema";
import type { HealthTargetsMessage, HealthVerdictMessage } from "../cluster/worker-messages";

interface Probe {
  service: string;
  address: string;
  check: HealthCheck;
  healthy: boolean;
  successes: number;
  failures: number;
  timer: NodeJS.Timeout;
}

/**
 * Active health checks, run by each host's cluster primary once for all its workers. Targets start healthy;
 * `unhealthyThreshold` failed probes in a row mark one down and `healthyThreshold` good ones bring it back.
 * Every change is broadcast to the workers, which stop sending traffic to targets that are down.
 */
export class ActiveHealthChecker {
  private probes = new Map<string, Probe>();
  private version = 0;

  constructor(
    private readonly broadcast: (m: HealthVerdictMessage) => void,
    private readonly log: Logger,
  ) {}

  /** Replaces the probed set with the one from a newer version; unchanged probes keep their state. */
  update(m: HealthTargetsMessage): void {
    if (m.version <= this.version) return;
    this.version = m.version;
    const next = new Map<string, Probe>();
    for (const c of m.checks) {
      const key = `${c.service}\u0000${c.address}\u0000${JSON.stringify(c.check)}`;
      const existing = this.probes.get(key);
      if (existing) {
        next.set(key, existing);
        this.probes.delete(key);
        continue;
      }
      const probe: Probe = { ...c, healthy: true, successes: 0, failures: 0, timer: setInterval(() => this.probe(probe), c.check.intervalMs) };
      probe.timer.unref();
      next.set(key, probe);
    }
    for (const gone of this.probes.values()) {
      clearInterval(gone.timer);
      if (!gone.healthy) this.broadcast({ type: "bulwark:health", service: gone.service, address: gone.address, healthy: true });
    }
    this.probes = next;
  }

  /** Targets currently down, to bring a newly forked worker up to date. */
  downTargets(): HealthVerdictMessage[] {
    return [...this.probes.values()].filter((p) => !p.healthy).map((p) => ({ type: "bulwark:health", service: p.service, address: p.address, healthy: false }));
  }

  status(): { service: string; address: string; healthy: boolean }[] {
    return [...this.probes.values()].map((p) => ({ service: p.service, address: p.address, healthy: p.healthy }));
  }

  stop(): void {
    for (const p of this.probes.values()) clearInterval(p.timer);
    this.probes.clear();
  }

  private probe(p: Probe): void {
    const target = parseAddress(p.address);
    if (typeof target === "string") return;
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      this.record(p, ok);
    };
    const req = request({ host: target.host, port: target.port, path: p.check.path, method: "GET", agent: false, headers: { "user-agent": "bulwark-health-check", connection: "close" } }, (res) => {
      res.resume();
      finish(p.check.expectedStatuses.includes(res.statusCode ?? 0));
    });
    req.setTimeout(p.check.timeoutMs, () => req.destroy(new Error("timeout")));
    req.on("error", () => finish(false));
    req.end();
  }

  private record(p: Probe, ok: boolean): void {
    if (ok) {
      p.failures = 0;
      p.successes++;
      if (!p.healthy && p.successes >= p.check.healthyThreshold) this.flip(p, true);
    } else {
      p.successes = 0;
      p.failures++;
      if (p.healthy && p.failures >= p.check.unhealthyThreshold) this.flip(p, false);
    }
  }

  private flip(p: Probe, healthy: boolean): void {
    p.healthy = healthy;
    this.log.warn({ service: p.service, target: p.address, healthy }, healthy ? "target healthy again" : "target failed its health checks");
    this.broadcast({ type: "bulwark:health", service: p.service, address: p.address, healthy });
  }
}
