import { readGatewayOptions } from "./gateway-options";
import { runCluster } from "./run-cluster";

// The gateway: `node --import tsx packages/proxy/src/main.ts`, configured by environment variables.
try {
  await runCluster(readGatewayOptions());
} catch (error) {
  console.error(`gateway: ${(error as Error).message}`);
  process.exit(1);
}
