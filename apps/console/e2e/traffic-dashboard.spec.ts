import { join } from "node:path";
import { expect, test } from "./fixtures";
import { seedTraffic } from "./seed-traffic";

const SHOT = join(import.meta.dirname, "artifacts/traffic-30d.png");

test("the traffic dashboard shows a route's month in every range, and sentences for a route without traffic", async ({ page, request, stack }, testInfo) => {
  test.setTimeout(120_000);
  const id = Date.now().toString(36);
  const service = `live-${id}`;
  expect((await request.post("/api/v1/services", { data: { name: service, targets: [{ address: "127.0.0.1:4907" }] } })).status()).toBe(201);
  for (const name of [`classes-${id}`, `idle-${id}`]) expect((await request.post("/api/v1/routes", { data: { name, path: `/${name}`, service } })).status()).toBe(201);
  await seedTraffic(stack.databaseUrl, {
    route: `classes-${id}`,
    service,
    perMinute: 200,
    errorRate: 0.001,
    slowShare: 0.02,
    incidents: [{ fromAgoMs: 12 * 86_400_000, toAgoMs: 12 * 86_400_000 - 4 * 3_600_000, errorRate: 0.05 }],
  });

  await page.goto(`/traffic?scope=route&name=classes-${id}&range=1h`);
  for (const chart of ["chart-rps", "chart-error-rate", "chart-latency", "chart-protective"]) {
    await expect(page.getByTestId(chart).locator(".recharts-surface").first()).toBeVisible();
  }
  await expect(page.getByTestId("chart-latency").locator(".recharts-line-curve")).toHaveCount(3);
  await expect(page.getByTestId("total-requests")).not.toContainText("—");

  await page.getByTestId("range-30d").click();
  await expect(page).toHaveURL(/range=30d/);
  await expect(page.getByTestId("chart-rps")).toContainText("average per 2 h");
  await expect(page.getByTestId("chart-protective").locator(".recharts-area-area")).toHaveCount(3);
  await page.screenshot({ path: SHOT, fullPage: true });
  await testInfo.attach("traffic-30d", { path: SHOT, contentType: "image/png" });

  // The service sums its routes; a route without traffic says so instead of drawing empty axes.
  await page.getByTestId("traffic-scope").getByRole("radio", { name: "Service" }).click();
  await page.getByTestId("traffic-name").selectOption(service);
  await expect(page.getByTestId("chart-rps").locator(".recharts-area-area")).toHaveCount(1);
  await page.goto(`/traffic?scope=route&name=idle-${id}&range=24h`);
  await expect(page.getByTestId("chart-rps-empty")).toHaveText(`No requests to route idle-${id} in the last 24 hours.`);
  await expect(page.locator(".recharts-surface")).toHaveCount(0);
});
