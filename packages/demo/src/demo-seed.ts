import type { GatewayConfigInput, RouteInput, ServiceInput } from "@bulwark/config/schema";
import { DEMO_SERVICES } from "./demo-services";
import type { DemoInstance } from "./start-platform";

/**
 * How a platform team would set each demo service up: exams are critical and never retried blindly, the catalog
 * is shed first and answers its last good copy while it is down, live classes keep a student on one instance.
 */
const POLICIES: Record<string, { service?: Partial<ServiceInput>; route?: Partial<RouteInput> }> = {
  catalog: {
    service: { circuitBreaker: { minimumCalls: 20, openMs: 10_000 } },
    route: {
      priority: "low",
      retries: { attempts: 2, statuses: [502, 503, 504] },
      fallback: { status: 503, body: '{"error":{"code":"CATALOG_UNAVAILABLE","message":"the catalog is catching its breath"}}', lastGood: true },
    },
  },
  enrollment: {
    route: { rateLimit: { requests: 600, windowMs: 60_000, by: "ip" } },
  },
  assessments: {
    route: { priority: "critical" },
  },
  "live-classes": {
    service: { loadBalancing: { algorithm: "consistent-hash", hashOn: { source: "header", name: "x-student-id" } } },
  },
};

/** The gateway config that puts the demo platform behind Bulwark: one service and one prefix route each. */
export function demoSeedConfig(instances: Pick<DemoInstance, "service" | "host" | "port">[]): GatewayConfigInput {
  return {
    services: DEMO_SERVICES.map((def) => ({
      name: def.name,
      description: def.description,
      targets: instances.filter((i) => i.service === def.name).map((i) => ({ address: `${i.host}:${i.port}`, weight: 100 })),
      healthCheck: { path: "/health", intervalMs: 5_000, timeoutMs: 1_000 },
      outlierDetection: { consecutiveFailures: 5, baseEjectionMs: 30_000 },
      ...POLICIES[def.name]?.service,
    })),
    routes: DEMO_SERVICES.map((def) => ({
      name: def.name,
      path: def.prefix,
      pathType: "prefix" as const,
      service: def.name,
      stripPrefix: true,
      ...POLICIES[def.name]?.route,
    })),
  };
}
