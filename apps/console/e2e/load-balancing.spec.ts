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
