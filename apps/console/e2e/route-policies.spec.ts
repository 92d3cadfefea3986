import { join } from "node:path";
import type { Locator, Page } from "@playwright/test";
import { apiList, expect, test } from "./fixtures";

const artifact = (name: string) => join(import.meta.dirname, `artifacts/${name}.png`);

/** The whole form, taken from the full page so the sticky top bar does not land in the middle of it. */
async function shoot(page: Page, form: Locator, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = (await form.boundingBox())!;
  await page.screenshot({ path: artifact(name), fullPage: true, clip: { x: box.x - 8, y: box.y - 8, width: box.width + 16, height: box.height + 16 } });
  await test.info().attach(name, { path: artifact(name), contentType: "image/png" });
}

async function startRoute(page: Page, name: string, path: string, service: string) {
  await page.goto("/routes");
  await page.getByTestId("new-route").click();
  await page.getByTestId("route-name").fill(name);
  await page.getByTestId("route-path").fill(path);
  await page.getByTestId("route-service").selectOption(service);
}

test("an operator sets a breaker, fallback, rate limit, canary split and fault injection, publishes, and sees them everywhere", async ({ page, request }) => {
  // Two forms, a publish and a reload: on a busy two-core machine this flow alone can take most of a minute.
  test.slow();
  const id = Date.now().toString(36);
  const service = `shop-${id}`;
  const canary = `shop-v2-${id}`;
  const route = `shop-route-${id}`;
  const path = `/shop-${id}`;
  expect((await request.post("/api/v1/services", { data: { name: canary, targets: [{ address: "127.0.0.1:4902" }] } })).status()).toBe(201);

  // The service gets a circuit breaker; blank fields keep the schema's defaults.
  await page.goto("/services");
  await page.getByTestId("new-service").click();
  await page.getByTestId("service-name").fill(service);
  await page.getByTestId("target-0-address").fill("127.0.0.1:4901");
  await expect(page.getByTestId("breaker-failureRatePercent")).toHaveCount(0);
  await page.getByTestId("service-breaker-enabled").check();
  await page.getByTestId("breaker-failureRatePercent").fill("25");
  await page.getByTestId("breaker-openMs").fill("10000");
  await page.getByTestId("breaker-halfOpenProbes").fill("");
  await shoot(page, page.getByTestId("service-form"), "service-breaker-form");
  await page.getByTestId("service-save").click();
  await expect(page.getByTestId(`service-breaker-${service}`)).toHaveText("breaker opens at 25% failures, for 10 s");
  await shoot(page, page.getByTestId("services-table"), "services-table");

  await startRoute(page, route, path, service);
  await page.getByTestId("route-priority").selectOption("critical");
  await page.getByTestId("route-maxBodyBytes").fill("1048576");
  await expect(page.getByText("= 1 MiB; larger bodies get 413")).toBeVisible();
  await page.getByTestId("retries-attempts").fill("2");
  await page.getByTestId("retries-statuses").fill("502, 503");
  await page.getByTestId("retries-method-OPTIONS").uncheck();

  await page.getByTestId("route-fallback-enabled").check();
  await expect(page.getByTestId("fallback-header-0-name")).toHaveValue("content-type");
  await page.getByTestId("fallback-add-header").click();
  await page.getByTestId("fallback-header-1-name").fill("retry-after");
  await page.getByTestId("fallback-header-1-value").fill("5");
  await page.getByTestId("fallback-body").fill('{"error":"the shop is resting"}');

  await page.getByTestId("route-rateLimit-enabled").check();
  await page.getByTestId("rateLimit-requests").fill("100");
  await page.getByTestId("rateLimit-by").selectOption("ip");
  await expect(page.getByTestId("rateLimit-header")).toHaveCount(0);

  await page.getByTestId("route-split-enabled").check();
  await expect(page.getByTestId("split-service").locator(`option[value="${service}"]`)).toBeDisabled();
  await page.getByTestId("split-service").selectOption(canary);
  await page.getByTestId("split-percent").fill("10");
  await page.getByTestId("split-header-enabled").check();
  await page.getByTestId("split-header-name").fill("x-canary");
  await page.getByTestId("split-header-value").fill("1");

  await page.getByTestId("route-faults-enabled").check();
  await page.getByTestId("faults-abort-enabled").check();
  await page.getByTestId("faults-abort-percent").fill("5");
  await page.getByTestId("faults-delay-enabled").check();
  await page.getByTestId("faults-delay-percent").fill("10");
  await page.getByTestId("faults-delay-ms").fill("200");

  await shoot(page, page.getByTestId("route-form"), "route-policies-form");
  await page.getByTestId("route-save").click();

  const badges = page.getByTestId(`route-policies-${route}`);
  await expect(badges.getByRole("listitem")).toHaveText(["critical", "faults", `canary 10% → ${canary}`, "rate 100/1s per ip", "fallback 503", "breaker", "retry ×2", "body ≤ 1 MiB"]);
  await expect(badges.getByTestId("policy-faults")).toHaveAttribute("title", "fault injection on: abort 5% with 503, delay 10% by 200 ms");
  await expect(page.getByTestId("faults-warning")).toContainText(route);

  await page.getByTestId("publish-message").fill(`policies ${id}`);
  await page.getByTestId("publish-button").click();
  await expect(page.getByTestId("publish-result")).toContainText(/Published version \d+/);
  const published = Number((await page.getByTestId("publish-result").textContent())!.match(/\d+/)![0]);

  const expected = {
    name: route,
    hosts: [],
    path,
    pathType: "prefix",
    methods: [],
    service,
    stripPrefix: false,
    timeouts: { connectMs: 5000, responseHeaderMs: 30000, totalMs: 60000 },
    priority: "critical",
    retries: { attempts: 2, statuses: [502, 503], methods: ["GET", "HEAD", "PUT", "DELETE"], backoffMs: 25, maxBackoffMs: 250, budgetPercent: 20, minRetryConcurrency: 3 },
    fallback: { status: 503, headers: { "content-type": "application/json", "retry-after": "5" }, body: '{"error":"the shop is resting"}', lastGood: false },
    rateLimit: { requests: 100, windowMs: 1000, by: "ip", header: "" },
    split: { service: canary, percent: 10, header: { name: "x-canary", value: "1" } },
    faults: { abort: { percent: 5, status: 503 }, delay: { percent: 10, ms: 200 } },
    maxBodyBytes: 1048576,
    auth: null,
    ipAllow: [],
    ipDeny: [],
  };
  const saved = await request.get(`/api/v1/routes/${route}`);
  expect(saved.status()).toBe(200);
  expect(await saved.json()).toEqual(expected);
  const version = (await (await request.get(`/api/v1/versions/${published}`)).json()) as { config: { routes: { name: string }[]; services: { name: string; circuitBreaker: unknown }[] } };
  expect(version.config.routes.find((r) => r.name === route)).toEqual(expected);
  expect(version.config.services.find((s) => s.name === service)?.circuitBreaker).toEqual({
    failureRatePercent: 25,
    slowCallRatePercent: 100,
    slowCallMs: 5000,
    windowMs: 10000,
    minimumCalls: 20,
    openMs: 10000,
    halfOpenProbes: 3,
  });

  // Opening the saved route shows every value again, and saving it unchanged changes nothing.
  await page.reload();
  await page.getByTestId(`edit-route-${route}`).click();
  await expect(page.getByTestId("split-service")).toHaveValue(canary);
  const headerNames = page.locator('[data-testid^="fallback-header-"][data-testid$="-name"]');
  await expect(headerNames).toHaveCount(2);
  expect((await headerNames.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).sort()).toEqual(["content-type", "retry-after"]);
  await expect(page.getByTestId("faults-delay-ms")).toHaveValue("200");
  await expect(page.getByTestId("retries-method-OPTIONS")).not.toBeChecked();
  await page.getByTestId("route-save").click();
  await expect(page.getByTestId("notice")).toContainText(`Saved route ${route}`);
  await expect(page.getByTestId("pending-count")).toHaveText("No unpublished changes");
});

test("bad policy input is shown at the right inputs, unknown errors in the banner, and nothing is saved", async ({ page, request }) => {
  const id = Date.now().toString(36);
  const service = `svc-${id}`;
  const gone = `gone-${id}`;
  const route = `bad-policies-${id}`;
  for (const name of [service, gone]) expect((await request.post("/api/v1/services", { data: { name, targets: [{ address: "127.0.0.1:4903" }] } })).status()).toBe(201);
  const before = await apiList(request, "/routes");

  await startRoute(page, route, `/bad-${id}`, service);
  // Another operator removes the canary service while this form is open.
  expect((await request.delete(`/api/v1/services/${gone}`)).status()).toBe(204);

  await page.getByTestId("retries-backoffMs").fill("500");
  await page.getByTestId("retries-maxBackoffMs").fill("100");
  await page.getByTestId("route-rateLimit-enabled").check();
  await page.getByTestId("rateLimit-by").selectOption("header");
  await page.getByTestId("route-fallback-enabled").check();
  await page.getByTestId("fallback-header-0-name").fill("bad header");
  await page.getByTestId("route-faults-enabled").check();
  await page.getByTestId("route-split-enabled").check();
  await page.getByTestId("split-service").selectOption(gone);
  await page.getByTestId("split-percent").fill("10");
  await page.getByTestId("route-save").click();

  await expect(page.getByTestId("error-retries.maxBackoffMs")).toHaveText("must be at least backoffMs");
  await expect(page.getByTestId("retries-maxBackoffMs")).toHaveAttribute("aria-invalid", "true");
  // The form is long: the first field to fix takes the focus (and so the scroll position).
  await expect(page.getByTestId("retries-maxBackoffMs")).toBeFocused();
  await expect(page.getByTestId("error-rateLimit.header")).toHaveText("needs the header to count by, for example x-api-key");
  await expect(page.getByTestId("rateLimit-header")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("error-fallback.headers.bad header")).toHaveText("must be a header name (letters, digits and -)");
  await expect(page.getByTestId("fallback-header-0-name")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("fallback-header-0-value")).toHaveAttribute("aria-invalid", "false");
  await expect(page.getByTestId("error-faults")).toHaveText("needs an abort or a delay (or set faults to null)");
  await expect(page.getByTestId("form-error")).toContainText("Nothing was saved");
  await expect(page.getByTestId("form-error").getByRole("listitem")).toHaveCount(0);
  await shoot(page, page.getByTestId("route-form"), "route-policies-errors");

  // An error whose input is no longer on screen moves to the banner instead of vanishing.
  await page.getByTestId("rateLimit-by").selectOption("ip");
  await expect(page.getByTestId("form-error").getByRole("listitem")).toHaveText(["rateLimit.header needs the header to count by, for example x-api-key"]);
  await page.getByTestId("rateLimit-by").selectOption("header");
  await expect(page.getByTestId("form-error").getByRole("listitem")).toHaveCount(0);

  // With the route itself valid, the whole draft is checked: the canary service no longer exists.
  await page.getByTestId("retries-maxBackoffMs").fill("1000");
  await page.getByTestId("rateLimit-header").fill("x-api-key");
  await page.getByTestId("fallback-header-0-name").fill("content-type");
  await page.getByTestId("faults-delay-enabled").check();
  await page.getByTestId("route-save").click();
  await expect(page.getByTestId("error-split.service")).toHaveText(`refers to service ${gone}, which does not exist`);
  await expect(page.getByTestId("split-service")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("error-retries.maxBackoffMs")).toHaveCount(0);
  await expect(page.getByTestId("error-faults")).toHaveCount(0);
  expect(await apiList(request, "/routes")).toEqual(before);

  // Two fallback headers with one name would silently collapse into one: refused at the second row.
  await page.getByTestId("split-service").selectOption("");
  await page.getByTestId("route-split-enabled").uncheck();
  await page.getByTestId("fallback-add-header").click();
  await page.getByTestId("fallback-header-1-name").fill("Content-Type");
  await page.getByTestId("fallback-header-1-value").fill("text/plain");
  await page.getByTestId("route-save").click();
  await expect(page.getByTestId("error-fallback.headers.Content-Type")).toHaveText("is listed twice");
  await expect(page.getByTestId("fallback-header-1-name")).toHaveAttribute("aria-invalid", "true");
  expect(await apiList(request, "/routes")).toEqual(before);
});
