import { apiList, expect, test } from "./fixtures";

test("a bad target address is shown at its input and nothing is saved", async ({ page, request }) => {
  const before = await apiList(request, "/services");
  await page.goto("/services");
  await page.getByTestId("new-service").click();
  await page.getByTestId("service-name").fill(`bad-${Date.now().toString(36)}`);
  await page.getByTestId("target-0-address").fill("nohost");
  await page.getByTestId("add-target").click();
  await page.getByTestId("target-1-address").fill("127.0.0.1:4555");
  await page.getByTestId("target-1-weight").fill("-1");
  await page.getByTestId("service-save").click();

  await expect(page.getByTestId("error-targets.0.address")).toHaveText("must be host:port, for example 127.0.0.1:4001");
  await expect(page.getByTestId("error-targets.1.weight")).toHaveText("must be 0 or more");
  await expect(page.getByTestId("target-0-address")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("form-error")).toContainText("Nothing was saved");
  expect(await apiList(request, "/services")).toEqual(before);
});

test("a route whose path conflicts with an existing route is refused at the path field", async ({ page, request }) => {
  const id = Date.now().toString(36);
  const service = `svc-${id}`;
  const path = `/conflict-${id}`;
  expect((await request.post("/api/v1/services", { data: { name: service, targets: [{ address: "127.0.0.1:4999" }] } })).status()).toBe(201);
  expect((await request.post("/api/v1/routes", { data: { name: `first-${id}`, path, service } })).status()).toBe(201);
  const before = await apiList(request, "/routes");

  await page.goto("/routes");
  await page.getByTestId("new-route").click();
  await page.getByTestId("route-name").fill(`second-${id}`);
  await page.getByTestId("route-path").fill(path);
  await page.getByTestId("route-service").selectOption(service);
  // First an entity-level mistake: a connect timeout longer than the total.
  await page.getByTestId("route-connectMs").fill("9000");
  await page.getByTestId("route-totalMs").fill("1000");
  await page.getByTestId("route-save").click();
  await expect(page.getByTestId("error-timeouts.connectMs")).toHaveText("must not exceed totalMs");

  // Then the cross-route rule, checked against the whole draft exactly as a worker would.
  await page.getByTestId("route-connectMs").fill("1000");
  await page.getByTestId("route-totalMs").fill("60000");
  await page.getByTestId("route-save").click();
  await expect(page.getByTestId("error-path")).toContainText(`conflicts with route first-${id}`);
  await expect(page.getByTestId("error-timeouts.connectMs")).toHaveCount(0);
  await expect(page.getByTestId("route-path")).toHaveAttribute("aria-invalid", "true");
  expect(await apiList(request, "/routes")).toEqual(before);
});
