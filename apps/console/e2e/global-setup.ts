import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { getFreePort } from "@bulwark/db/test-database";

const CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REPO_ROOT = resolve(CONSOLE_DIR, "../..");
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

/**
 * Starts what the browser tests need and returns the teardown. Normally the whole stack through the launcher;
 * while the gateway package has no entry point yet (or with BULWARK_E2E_MODE=console), only an embedded
 * database and `next start`, and the tests that need the gateway skip themselves.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(join(CONSOLE_DIR, ".next/BUILD_ID"))) throw new Error("no production build: run `npm run build` in apps/console first");
  const dataDir = mkdtempSync(join(tmpdir(), "bulwark-e2e-"));
  const gatewayExists = existsSync(join(REPO_ROOT, "packages/proxy/src/main.ts"));
  const full = gatewayExists && process.env.BULWARK_E2E_MODE !== "console";
  let info: { consoleUrl: string; gatewayUrl: string; databaseUrl: string; mode: "stack" | "console" };
  let stop: () => Promise<void>;

  if (full) {
    const { startStack } = (await import(LAUNCHER)) as { startStack: StartStack };
    const stack = await startStack({
      dataDir,
      consolePort: await getFreePort(),
      gatewayPort: await getFreePort(),
      adminPort: await getFreePort(),
      workers: 2,
      demo: false,
      quiet: true,
    });
    info = { consoleUrl: ipv4(stack.consoleUrl), gatewayUrl: ipv4(stack.gatewayUrl), databaseUrl: stack.databaseUrl, mode: "stack" };
    stop = () => stack.stop();
  } else {
    const { createTestDatabase } = await import("@bulwark/db/test-database");
    const db = await createTestDatabase({ embedded: true });
    const port = await getFreePort();
    const child = spawn(process.execPath, [join(REPO_ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: CONSOLE_DIR,
      env: { ...process.env, DATABASE_URL: db.url, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const consoleUrl = `http://127.0.0.1:${port}`;
    await waitFor(`${consoleUrl}/api/v1/workers`, () => child.exitCode !== null);
    info = { consoleUrl, gatewayUrl: "", databaseUrl: db.url, mode: "console" };
    stop = async () => {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
      await db.close();
    };
  }

  process.env.BULWARK_CONSOLE_URL = info.consoleUrl;
  process.env.BULWARK_GATEWAY_URL = info.gatewayUrl;
  process.env.BULWARK_E2E_DATABASE_URL = info.databaseUrl;
  mkdirSync(dirname(STACK_FILE), { recursive: true });
  writeFileSync(STACK_FILE, JSON.stringify(info, null, 2));
  console.log(`[e2e] ${info.mode === "stack" ? "full stack" : "console only (no gateway entry point yet)"} at ${info.consoleUrl}`);

  return async () => {
    await stop().catch((e) => console.error("[e2e] teardown:", e));
    rmSync(dataDir, { recursive: true, force: true });
  };
}

async function waitFor(url: string, died: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (died()) throw new Error(`server for ${url} exited before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
