import { test as base, expect, type APIRequestContext } from "@playwright/test";

export interface StackUrls {
  consoleUrl: string;
  /** Empty when the suite runs without the gateway. */
  gatewayUrl: string;
  databaseUrl: string;
}

/**
 * Pages start signed in as the first admin (storageState from the global setup). The `request` client is an
 * automation client: it sends the admin API token as a Bearer header, and no cookie.
 */
export const test = base.extend<{ stack: StackUrls }>({
  request: async ({ playwright }, use) => {
    const context = await playwright.request.newContext({
      baseURL: process.env.BULWARK_CONSOLE_URL,
      extraHTTPHeaders: { authorization: `Bearer ${process.env.BULWARK_E2E_ADMIN_TOKEN ?? ""}` },
    });
    await use(context);
    await context.dispose();
  },
  stack: async ({}, use) => {
    await use({
      consoleUrl: process.env.BULWARK_CONSOLE_URL ?? "",
      gatewayUrl: process.env.BULWARK_GATEWAY_URL ?? "",
      databaseUrl: process.env.BULWARK_E2E_DATABASE_URL ?? "",
    });
  },
  baseURL: async ({}, use) => {
    await use(process.env.BULWARK_CONSOLE_URL);
  },
});

export { expect };

/** Reads a list straight from the admin API, to check what the UI did (or did not) save. */
export async function apiList<T>(request: APIRequestContext, path: string): Promise<T[]> {
  const res = await request.get(`/api/v1${path}`);
  expect(res.ok()).toBe(true);
  return (await res.json()) as T[];
}
