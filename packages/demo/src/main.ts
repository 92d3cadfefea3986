import { startDemoPlatform } from "./start-platform";

// Runs the demo learning platform on its own: `npm start --workspace @bulwark/demo`.
const platform = await startDemoPlatform({ basePort: Number(process.env.DEMO_BASE_PORT ?? 4001) });
for (const i of platform.instances) console.log(`${i.instance.padEnd(16)} http://${i.host}:${i.port}`);
const stop = () => platform.stop().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
