import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { getFreePort } from "@bulwark/db/test-database";

const CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const STACK_FILE = join(CONSOLE_DIR, "e2e/artifacts/stack.json");
/** The first admin's signed-in browser state: every page test starts signed in (playwright.config.ts). */
export const ADMIN_STATE_FILE = join(CONSOLE_DIR, "e2e/artifacts/admin-state.json");

/** 127.0.0.1 instead of localhost, so Node's fetch and the browser both reach the IPv4 listener. */
const ipv4 = (url: string) => url.replace("//localhost:", "//127.0.0.1:");

/** Starts the whole stack through @bulwark/stack (embedded PostgreSQL, two gateway workers, the console server). */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(join(CONSOLE_DIR, ".next/BUILD_ID"))) throw new Error("no production build: run `npm run build` in apps/console first");
  const dataDir = mkdtempSync(join(tmpdir(), "bulwark-e2e-"));
  const { startStack } = await import("@bulwark/stack/start");
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
  const consoleUrl = ipv4(stack.consoleUrl);
  let signedIn: { cookie: string; token: string };
  try {
    if (!stack.firstAdmin) throw new Error("a fresh stack should have made its first admin");
    signedIn = await signInAdmin(consoleUrl, stack.firstAdmin);
  } catch (error) {
    await stack.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const { cookie, token } = signedIn;
  const info = { consoleUrl, gatewayUrl: ipv4(stack.gatewayUrl), databaseUrl: stack.databaseUrl, admin: stack.firstAdmin! };
  const stop = () => stack.stop();

  process.env.BULWARK_CONSOLE_URL = info.consoleUrl;
  process.env.BULWARK_GATEWAY_URL = info.gatewayUrl;
  process.env.BULWARK_E2E_DATABASE_URL = info.databaseUrl;
  process.env.BULWARK_E2E_ADMIN_TOKEN = token;
  process.env.BULWARK_E2E_ADMIN_EMAIL = info.admin.email;
  process.env.BULWARK_E2E_ADMIN_PASSWORD = info.admin.password;
  const host = new URL(consoleUrl).hostname;
  const state = { cookies: [{ name: "bulwark_session", value: cookie, domain: host, path: "/", expires: -1, httpOnly: true, secure: false, sameSite: "Strict" }], origins: [] };
  mkdirSync(dirname(STACK_FILE), { recursive: true });
  writeFileSync(ADMIN_STATE_FILE, JSON.stringify(state, null, 2));
  writeFileSync(STACK_FILE, JSON.stringify(info, null, 2));
  console.log(`[e2e] full stack: console ${info.consoleUrl}, gateway ${info.gatewayUrl}`);

  return async () => {
    await stop().catch((e) => console.error("[e2e] teardown:", e));
    rmSync(dataDir, { recursive: true, force: true });
  };
}

/**
 * Signs the first admin in once through the real API (its password is known only here, from startStack),
 * and makes an admin API token for the tests' `request` client, which then needs no cookie and no Origin.
 */
async function signInAdmin(consoleUrl: string, admin: { email: string; password: string }): Promise<{ cookie: string; token: string }> {
  const signIn = await fetch(`${consoleUrl}/api/v1/auth/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: consoleUrl },
    body: JSON.stringify(admin),
  });
  if (!signIn.ok) throw new Error(`[e2e] sign-in as the first admin failed: ${signIn.status} ${await signIn.text()}`);
  const cookie = /bulwark_session=([^;]+)/.exec(signIn.headers.get("set-cookie") ?? "")?.[1];
  if (!cookie) throw new Error("[e2e] sign-in set no session cookie");
  const made = await fetch(`${consoleUrl}/api/v1/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: consoleUrl, cookie: `bulwark_session=${cookie}` },
    body: JSON.stringify({ name: "e2e-admin", role: "admin", expiresInDays: 1 }),
  });
  if (!made.ok) throw new Error(`[e2e] making the e2e admin token failed: ${made.status} ${await made.text()}`);
  return { cookie, token: ((await made.json()) as { token: string }).token };
}
