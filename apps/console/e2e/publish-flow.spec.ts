import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./fixtures";

let upstream: Server;
let upstreamPort = 0;
const BODY = "hello from the e2e upstream";

test.beforeAll(async () => {
  upstream = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`${BODY} ${req.url}`);
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamPort = (upstream.address() as AddressInfo).port;
});
test.afterAll(async () => {
  await new Promise((r) => upstream.close(r));
});

test("a service and route created in the console and published serve traffic through the gateway", async ({ page, stack }) => {
  const id = Date.now().toString(36);
  const service = `hello-${id}`;
  const route = `hello-route-${id}`;
  const path = `/e2e-hello-${id}`;

  await page.goto("/services");
  await page.getByTestId("new-service").click();
  await page.getByTestId("service-name").fill(service);
  await page.getByTestId("service-description").fill("Upstream started by the e2e test");
  await page.getByTestId("target-0-address").fill(`127.0.0.1:${upstreamPort}`);
  await page.getByTestId("target-0-weight").fill("100");
  await page.getByTestId("service-save").click();
  await expect(page.getByTestId(`service-row-${service}`)).toContainText(`127.0.0.1:${upstreamPort}`);

  await page.getByTestId("nav-routes").click();
  await expect(page).toHaveURL(/\/routes$/);
  await page.getByTestId("new-route").click();
  await page.getByTestId("route-name").fill(route);
  await page.getByTestId("route-path").fill(path);
  await page.getByTestId("route-path-type").selectOption("prefix");
  await page.getByTestId("route-service").selectOption(service);
  await page.getByTestId("route-method-GET").check();
  await page.getByTestId("route-save").click();
  await expect(page.getByTestId(`route-row-${route}`)).toContainText(path);
  await expect(page.getByTestId("pending-count")).toContainText(/\d+ unpublished change/);

  await page.getByTestId("publish-message").fill(`e2e ${id}`);
  await page.getByTestId("publish-button").click();
  await expect(page.getByTestId("publish-result")).toContainText(/Published version \d+/);
  await expect(page.getByTestId("pending-count")).toHaveText("No unpublished changes");
  const published = Number((await page.getByTestId("publish-result").textContent())!.match(/\d+/)![0]);
  await expect(page.getByTestId("latest-version")).toHaveText(`v${published}`);

  // The version list records who published it (the signed-in user) and what changed.
  await page.getByTestId("nav-versions").click();
  const row = page.getByTestId(`version-row-${published}`);
  await expect(row).toContainText(process.env.BULWARK_E2E_ADMIN_EMAIL!);
  await expect(row).toContainText(`added route ${route}`);
  await row.click();
  await expect(page.getByTestId("version-config")).toContainText(`"path": "${path}"`);
  let last = "";
  await expect
    .poll(
      async () => {
        try {
          const res = await fetch(`${stack.gatewayUrl}${path}/x`, { signal: AbortSignal.timeout(2_000) });
          last = `${res.status} ${await res.text()}`;
        } catch (e) {
          last = String(e);
        }
        return last;
      },
      { timeout: 10_000, intervals: [200, 300, 500] },
    )
    .toBe(`200 ${BODY} ${path}/x`);
});
