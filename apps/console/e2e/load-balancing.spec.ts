import { apiList, expect, test } from "./fixtures";

test("a service's load balancing is chosen in the form, checked, and shown in the table", async ({ page, request }) => {
  const name = `affinity-${Date.now().toString(36)}`;
  const before = await apiList(request, "/services");
  await page.goto("/services");
  await page.getByTestId("new-service").click();
  await page.getByTestId("service-name").fill(name);
  await page.getByTestId("target-0-address").fill("127.0.0.1:4101");
  await page.getByTestId("service-algorithm").selectOption("consistent-hash");
  await page.getByTestId("service-hash-source").selectOption("header");
  await page.getByTestId("service-save").click();

  await expect(page.getByTestId("error-loadBalancing.hashOn.name")).toHaveText("needs the header name to hash on");
  expect(await apiList(request, "/services")).toEqual(before);

  await page.getByTestId("service-hash-name").fill("x-student-id");
  await page.getByTestId("service-save").click();
  await expect(page.getByTestId(`service-lb-${name}`)).toContainText("Consistent hash");
  await expect(page.getByTestId(`service-lb-${name}`)).toContainText("header x-student-id");
  const saved = (await apiList<{ name: string; loadBalancing: unknown }>(request, "/services")).find((s) => s.name === name);
  expect(saved?.loadBalancing).toEqual({ algorithm: "consistent-hash", hashOn: { source: "header", name: "x-student-id" } });
});

test("health checks and outlier ejection are set in the service form, with field errors", async ({ page, request }) => {
  const name = `checked-${Date.now().toString(36)}`;
  const before = await apiList(request, "/services");
  await page.goto("/services");
  await page.getByTestId("new-service").click();
  await page.getByTestId("service-name").fill(name);
  await page.getByTestId("target-0-address").fill("127.0.0.1:4102");
  await page.getByTestId("service-health-enabled").check();
  await page.getByTestId("health-timeoutMs").fill("6000");
  await page.getByTestId("service-outlier-enabled").check();
  await page.getByTestId("outlier-maxEjectionPercent").fill("150");
  await page.getByTestId("service-save").click();

  await expect(page.getByTestId("error-healthCheck.timeoutMs")).toHaveText("must be shorter than intervalMs");
  await expect(page.getByTestId("error-outlierDetection.maxEjectionPercent")).toHaveText("must be 0 to 100");
  expect(await apiList(request, "/services")).toEqual(before);

  await page.getByTestId("health-timeoutMs").fill("1000");
  await page.getByTestId("outlier-maxEjectionPercent").fill("50");
  await page.getByTestId("service-save").click();
  await expect(page.getByTestId(`service-lb-${name}`)).toContainText("health check /health every 5 s");
  await expect(page.getByTestId(`service-lb-${name}`)).toContainText("ejects after 5 failures");
  const saved = (await apiList<{ name: string; healthCheck: unknown }>(request, "/services")).find((s) => s.name === name);
  expect(saved?.healthCheck).toEqual({ path: "/health", intervalMs: 5000, timeoutMs: 1000, healthyThreshold: 2, unhealthyThreshold: 3, expectedStatuses: [200] });
});
