import type { GatewayConfigInput } from "@bulwark/config/schema";
import { DEMO_SERVICES } from "./demo-services";
import type { DemoInstance } from "./start-platform";

/** The gateway config that puts the demo platform behind Bulwark: one service and one prefix route each. */
export function demoSeedConfig(instances: Pick<DemoInstance, "service" | "host" | "port">[]): GatewayConfigInput {
  return {
    services: DEMO_SERVICES.map((def) => ({
      name: def.name,
      description: def.description,
      targets: instances.filter((i) => i.service === def.name).map((i) => ({ address: `${i.host}:${i.port}`, weight: 100 })),
    })),
    routes: DEMO_SERVICES.map((def) => ({
      name: def.name,
      path: def.prefix,
      pathType: "prefix" as const,
      service: def.name,
      stripPrefix: true,
    })),
  };
}
