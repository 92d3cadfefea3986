import { readGatewayOptions } from "./cluster/gateway-options";
import { runCluster } from "./cluster/run-cluster";

// The gateway: `node --import tsx packages/proxy/src/main.ts`, configured by environment variables.
try {
  await runCluster(readGatewayOptions());
} catch (error) {
  console.error(`gateway: ${(error as Error).message}`);
  process.exit(1);
}
