import { defineConfig } from "@playwright/test";

/**
 * Browser tests against a production build of the console. The global setup starts the whole stack
 * (embedded PostgreSQL, two gateway workers, the console server) on free ports and hands the URLs to the tests
 * through the environment.
 */
export default defineConfig({
  testDir: "./e2e",
  outputDir: "./e2e/artifacts/results",
  globalSetup: "./e2e/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: "list",
  use: {
    browserName: "chromium",
    viewport: { width: 1440, height: 900 },
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: "retain-on-failure",
    // Written by the global setup after it signs the first admin in; tests of other roles use their own context.
    storageState: "./e2e/artifacts/admin-state.json",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
});
