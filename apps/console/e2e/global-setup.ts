import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { getFreePort } from "@bulwark/db/test-database";

const CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const STACK_FILE = join(CONSOLE_DIR, "e2e/artifacts/stack.json");

// Loaded by name so this file's typecheck (under Next's stricter NODE_ENV type) does not pull in the launcher's source.
const LAUNCHER: string = "@bulwark/launcher/stack";
type StartStack = (options: {
  dataDir: string;
  databaseUrl?: string;
  consolePort: number;
  gatewayPort: number;
  adminPort: number;
  workers?: number;
  demo?: boolean;
  quiet?: boolean;
}) => Promise<{ consoleUrl: string; gatewayUrl: string; adminUrl: string; databaseUrl: string; stop(): Promise<void> }>;

/** 127.0.0.1 instead of localhost, so Node's fetch and the browser both reach the IPv4 listener. */
const ipv4 = (url: string) => url.replace("//localhost:", "//127.0.0.1:");

/** Starts the whole stack through the launcher (embedded PostgreSQL, two gateway workers, `next start`). */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(join(CONSOLE_DIR, ".next/BUILD_ID"))) throw new Error("no production build: run `npm run build` in apps/console first");
  const dataDir = mkdtempSync(join(tmpdir(), "bulwark-e2e-"));
  const { startStack } = (await import(LAUNCHER)) as { startStack: StartStack };
  // The console inherits this: SLO alerts are evaluated every 2 s, so alert history appears within a test's patience.
  process.env.BULWARK_SLO_EVAL_INTERVAL_MS = "2000";
  const stack = await startStack({
    dataDir,
    consolePort: await getFreePort(),
    gatewayPort: await getFreePort(),
    adminPort: await getFreePort(),
    workers: 2,
    demo: false,
    quiet: true,
  });
  const info = { consoleUrl: ipv4(stack.consoleUrl), gatewayUrl: ipv4(stack.gatewayUrl), databaseUrl: stack.databaseUrl };
  const stop = () => stack.stop();

  process.env.BULWARK_CONSOLE_URL = info.consoleUrl;
  process.env.BULWARK_GATEWAY_URL = info.gatewayUrl;
  process.env.BULWARK_E2E_DATABASE_URL = info.databaseUrl;
  mkdirSync(dirname(STACK_FILE), { recursive: true });
  writeFileSync(STACK_FILE, JSON.stringify(info, null, 2));
  console.log(`[e2e] full stack: console ${info.consoleUrl}, gateway ${info.gatewayUrl}`);

  return async () => {
    await stop().catch((e) => console.error("[e2e] teardown:", e));
    rmSync(dataDir, { recursive: true, force: true });
  };
}
