import { createDb } from "@bulwark/db/client";
import { recordHeartbeat } from "@bulwark/db/workers";
import { expect, test } from "./fixtures";

const FAKE_HOST = "e2e-fake-host";

test("the workers page lists the 2 gateway workers running the latest version", async ({ page, request }) => {
  // Make sure there is a version for the workers to run.
  await request.post("/api/v1/services", { data: { name: "workers-check", targets: [{ address: "127.0.0.1:4998" }] } });
  const publish = await request.post("/api/v1/publish", { data: { message: "workers page check" } });
  expect([201, 409]).toContain(publish.status());
  const latest = ((await (await request.get("/api/v1/draft")).json()) as { latestVersion: number }).latestVersion;

  await page.goto("/workers");
  const real = page
    .getByTestId("worker-row")
    .filter({ hasNotText: FAKE_HOST })
    .filter({ hasNot: page.locator('[data-state="stopped"]') });
  await expect(page.getByTestId("workers-latest")).toHaveText(`v${latest}`);
  // Heartbeats arrive every few seconds; the page refetches every 2 s on its own.
  await expect(page.locator('[data-testid="worker-row"][data-state="current"]').filter({ hasNotText: FAKE_HOST })).toHaveCount(2, { timeout: 30_000 });
  await expect(real.getByTestId("worker-version")).toHaveText([`v${latest}`, `v${latest}`]);
});

test("a worker that lags behind the latest version gets a warning badge and banner", async ({ page, request, stack }) => {
  // Needs a published version above the fake worker's one.
  await request.post("/api/v1/services", { data: { name: "lag-check", targets: [{ address: "127.0.0.1:4997" }] } });
  await request.post("/api/v1/publish", { data: { message: "lag check" } });
  const db = createDb(stack.databaseUrl, { max: 1 });
  const id = `e2e-fake-${Date.now().toString(36)}`;
  try {
    await recordHeartbeat(db, { id, host: FAKE_HOST, pid: 4242, startedAt: new Date(), version: 0, versionHash: null, appliedAt: new Date(), rejectedVersion: null, lastError: null });
    await page.goto("/workers");
    const row = page.getByTestId("worker-row").filter({ hasText: FAKE_HOST });
    await expect(row).toHaveAttribute("data-state", "lagging");
    await expect(row.getByTestId("worker-state")).toHaveText("lagging");
    await expect(page.getByTestId("workers-warning")).toContainText(`${FAKE_HOST}:4242`);
  } finally {
    await db.worker.delete({ where: { id } }).catch(() => {});
    await db.$disconnect();
  }
});
