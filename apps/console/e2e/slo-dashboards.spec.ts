import { join } from "node:path";
import { expect, test } from "./fixtures";
import { seedTraffic } from "./seed-traffic";

const ARTIFACTS = join(import.meta.dirname, "artifacts");
const HOUR = 3_600_000;

test("the SLO overview and an SLO's detail page draw their charts from a month of traffic (screenshot artifacts)", async ({ page, request, stack }, testInfo) => {
  test.setTimeout(180_000);
  const id = Date.now().toString(36);
  const exams = `exams-${id}`;
  const catalog = `catalog-${id}`;
  expect((await request.post("/api/v1/services", { data: { name: `assessments-${id}`, targets: [{ address: "127.0.0.1:4905" }] } })).status()).toBe(201);
  expect((await request.post("/api/v1/services", { data: { name: `catalog-svc-${id}`, targets: [{ address: "127.0.0.1:4901" }] } })).status()).toBe(201);
  expect((await request.post("/api/v1/routes", { data: { name: exams, path: `/exams-${id}`, service: `assessments-${id}` } })).status()).toBe(201);
  expect((await request.post("/api/v1/routes", { data: { name: catalog, path: `/catalog-${id}`, service: `catalog-svc-${id}` } })).status()).toBe(201);

  // Exams: healthy for a month but for an incident 9 days ago, and failing 3% of requests for the last 40 minutes.
  await seedTraffic(stack.databaseUrl, {
    route: exams,
    service: `assessments-${id}`,
    perMinute: 120,
    errorRate: 0.0002,
    slowShare: 0.005,
    incidents: [
      { fromAgoMs: 9 * 24 * HOUR, toAgoMs: 9 * 24 * HOUR - 3 * HOUR, errorRate: 0.01 },
      { fromAgoMs: 40 * 60_000, toAgoMs: 0, errorRate: 0.03 },
    ],
  });
  await seedTraffic(stack.databaseUrl, { route: catalog, service: `catalog-svc-${id}`, perMinute: 300, errorRate: 0.0004, slowShare: 0.004 });

  const slos = [
    { name: `${exams}-availability`, description: "Exam pages answer", target: { kind: "route", name: exams }, indicator: { type: "availability" }, objectivePercent: 99.9 },
    { name: `${exams}-latency`, target: { kind: "route", name: exams }, indicator: { type: "latency", thresholdMs: 300 }, objectivePercent: 99 },
    { name: `${catalog}-availability`, target: { kind: "service", name: `catalog-svc-${id}` }, indicator: { type: "availability" }, objectivePercent: 99.5, windowDays: 28 },
  ];
  for (const s of slos) expect((await request.post("/api/v1/slos", { data: s })).status()).toBe(201);

  await page.goto("/slos");
  await expect(page.getByTestId(`slo-row-${slos[0].name}`)).toBeVisible();
  await expect(page.getByTestId(`slo-status-${slos[0].name}`)).toHaveText("Page");
  await expect(page.getByTestId(`slo-status-${slos[2].name}`)).toHaveText("OK");
  // Worst first: the paging exam SLO comes before the healthy catalog one.
  const order = await page.locator('[data-testid^="slo-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-testid")));
  expect(order.indexOf(`slo-row-${slos[0].name}`)).toBeLessThan(order.indexOf(`slo-row-${slos[2].name}`));
  for (const chart of ["chart-budget", "chart-burn"]) {
    await expect(page.getByTestId(chart)).not.toHaveAttribute("data-empty");
    await expect(page.getByTestId(chart).locator(".recharts-bar-rectangle").first()).toBeVisible();
  }
  const overviewShot = join(ARTIFACTS, "slo-overview.png");
  await page.screenshot({ path: overviewShot, fullPage: true });
  await testInfo.attach("slo-overview", { path: overviewShot, contentType: "image/png" });

  await page.getByTestId(`slo-row-${slos[0].name}`).getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/slos/${slos[0].name}$`));
  await expect(page.getByTestId("slo-alert")).toHaveText("Page");
  await expect(page.getByTestId("rules-firing")).toContainText("page 14.4× over 1h and 5m");
  for (const chart of ["chart-sli", "chart-burn-rate", "chart-burn-down"]) await expect(page.getByTestId(chart).locator(".recharts-surface").first()).toBeVisible();
  await expect(page.getByTestId("chart-sli").locator(".recharts-line-curve")).toHaveCount(1);
  await expect(page.getByTestId("chart-burn-down").locator(".recharts-area-area")).toHaveCount(1);
  await expect(page.getByTestId("chart-burn-rate").locator(".recharts-reference-line")).toHaveCount(3);
  // The console's evaluator (every 2 s in this suite) records the page in the alert history on its own.
  await expect(page.getByTestId("alert-event").first()).toContainText("Page", { timeout: 60_000 });
  await page.getByTestId("range-30d").click();
  await expect(page.getByTestId("chart-sli")).toContainText("per 2 h");
  const detailShot = join(ARTIFACTS, "slo-detail.png");
  await page.screenshot({ path: detailShot, fullPage: true });
  await testInfo.attach("slo-detail", { path: detailShot, contentType: "image/png" });
});

test("an SLO without traffic shows sentences instead of empty charts", async ({ page, request }) => {
  const id = Date.now().toString(36);
  await request.post("/api/v1/services", { data: { name: `quiet-${id}`, targets: [{ address: "127.0.0.1:4909" }] } });
  expect(
    (await request.post("/api/v1/slos", { data: { name: `quiet-${id}`, target: { kind: "service", name: `quiet-${id}` }, indicator: { type: "availability" }, objectivePercent: 99 } })).status(),
  ).toBe(201);
  await page.goto(`/slos/quiet-${id}`);
  await expect(page.getByTestId("slo-alert")).toHaveText("No traffic");
  await expect(page.getByTestId("chart-sli-empty")).toHaveText(`No requests reached service quiet-${id} in the last 24 hours.`);
  await expect(page.getByTestId("chart-burn-down-empty")).toContainText("the whole error budget is left");
  await expect(page.locator(".recharts-surface")).toHaveCount(0);
});
