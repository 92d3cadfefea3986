import { join } from "node:path";
import { apiList, expect, test } from "./fixtures";

const SHOT = join(import.meta.dirname, "artifacts/slo-form-errors.png");

test("the SLO form refuses bad input at each field, then a target that does not exist, and saves nothing until it is right", async ({ page, request }, testInfo) => {
  const id = Date.now().toString(36);
  expect((await request.post("/api/v1/services", { data: { name: `grading-${id}`, targets: [{ address: "127.0.0.1:4908" }] } })).status()).toBe(201);
  expect((await request.post("/api/v1/routes", { data: { name: `grades-${id}`, path: `/grades-${id}`, service: `grading-${id}` } })).status()).toBe(201);
  const before = await apiList(request, "/slos");

  await page.goto("/slos");
  await page.getByTestId("new-slo").click();
  await page.getByTestId("slo-name").fill("Grades SLO!");
  await page.getByTestId("slo-target-name").fill(`grades-${id}`);
  await page.getByTestId("slo-objective").fill("100");
  await page.getByTestId("slo-webhook").fill("ftp://hooks.example.edu/slo");
  await page.getByTestId("slo-save").click();
  await expect(page.getByTestId("error-name")).toHaveText("must be 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit");
  await expect(page.getByTestId("error-objectivePercent")).toHaveText("must be below 100 (a 100% objective leaves no error budget)");
  await expect(page.getByTestId("error-webhookUrl")).toHaveText("must be an http(s) URL");
  await expect(page.getByTestId("slo-name")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("form-error")).toContainText("Nothing was saved");
  await page.getByTestId("slo-form").screenshot({ path: SHOT });
  await testInfo.attach("slo-form-errors", { path: SHOT, contentType: "image/png" });

  await page.getByTestId("slo-name").fill(`grades-${id}`);
  await page.getByTestId("slo-objective").fill("99.5");
  await page.getByTestId("slo-webhook").fill("");
  await page.getByTestId("slo-target-name").fill(`grades-typo-${id}`);
  await page.getByTestId("slo-save").click();
  await expect(page.getByTestId("error-target.name")).toHaveText(`refers to route grades-typo-${id}, which does not exist`);
  await expect(page.getByTestId("error-objectivePercent")).toHaveCount(0);
  expect(await apiList(request, "/slos")).toEqual(before);

  await page.getByTestId("slo-indicator").selectOption("latency");
  await page.getByTestId("slo-threshold").selectOption("500");
  await page.getByTestId("slo-target-name").fill(`grades-${id}`);
  await page.getByTestId("slo-save").click();
  await expect(page.getByTestId("notice")).toHaveText(`Created SLO grades-${id}.`);
  await expect(page.getByTestId(`slo-row-grades-${id}`)).toContainText("answers under 500 ms");
  await expect(page.getByTestId(`slo-status-grades-${id}`)).toHaveText("No traffic");
});
