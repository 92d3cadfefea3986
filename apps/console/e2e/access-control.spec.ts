import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Locator, Page } from "@playwright/test";
import { apiList, expect, test } from "./fixtures";

const artifact = (name: string) => join(import.meta.dirname, `artifacts/${name}.png`);

/** One element, taken from the full page so the sticky top bar does not land in the middle of it. */
async function shoot(page: Page, target: Locator, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = (await target.boundingBox())!;
  await page.screenshot({ path: artifact(name), fullPage: true, clip: { x: box.x - 8, y: box.y - 8, width: box.width + 16, height: box.height + 16 } });
  await test.info().attach(name, { path: artifact(name), contentType: "image/png" });
}

/** Whether the page shows the text anywhere: in its text or in any input's value. */
const pageShows = (page: Page, text: string) =>
  page.evaluate((t) => document.body.innerText.includes(t) || [...document.querySelectorAll("input, textarea")].some((e) => (e as HTMLInputElement).value.includes(t)), text);

let upstream: Server;
let upstreamPort = 0;

test.beforeAll(async () => {
  // Echoes the consumer the gateway names, so the test sees which key got the request in.
  upstream = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`consumer=${req.headers["x-consumer-name"] ?? "none"}`);
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamPort = (upstream.address() as AddressInfo).port;
});
test.afterAll(async () => {
  await new Promise((r) => upstream.close(r));
});

/** What the gateway answers, retried until it matches: workers apply a published version within moments. */
async function expectGateway(url: string, headers: Record<string, string>, expected: string) {
  let last = "";
  await expect
    .poll(
      async () => {
        try {
          const res = await fetch(url, { headers, signal: AbortSignal.timeout(3_000) });
          const body = await res.text();
          last = res.status === 200 ? `200 ${body}` : `${res.status} ${(JSON.parse(body) as { error?: { code?: string } }).error?.code ?? body}`;
        } catch (e) {
          last = String(e);
        }
        return last;
      },
      { timeout: 20_000, intervals: [250, 500, 1_000] },
    )
    .toBe(expected);
}

async function publish(page: Page, message: string) {
  await page.getByTestId("publish-message").fill(message);
  await page.getByTestId("publish-button").click();
  await expect(page.getByTestId("publish-result")).toContainText(/Published version \d+/);
}

test("an operator makes a consumer and a key shown once, locks a route with key auth and an IP deny list, and the gateway enforces both", async ({ page, request, stack, baseURL }) => {
  // Three publishes, each checked through the real gateway: on a busy two-core machine this takes a while.
  test.slow();
  const id = Date.now().toString(36);
  const consumer = `partner-${id}`;
  const service = `acl-svc-${id}`;
  const route = `acl-route-${id}`;
  const path = `/acl-${id}`;
  const url = `${stack.gatewayUrl}${path}/courses`;
  expect((await request.post("/api/v1/services", { data: { name: service, targets: [{ address: `127.0.0.1:${upstreamPort}` }] } })).status()).toBe(201);

  // The consumer: a draft change like any other.
  await page.goto("/consumers");
  await page.getByTestId("new-consumer").click();
  await page.getByTestId("consumer-name").fill(consumer);
  await page.getByTestId("consumer-description").fill("Partner university LMS");
  await page.getByTestId("consumer-save").click();
  await expect(page.getByTestId("notice")).toContainText(`Saved consumer ${consumer}`);
  await expect(page.getByTestId(`consumer-row-${consumer}`)).toContainText("No keys yet");
  await expect(page.getByTestId("pending-count")).toHaveAttribute("title", new RegExp(`added consumer ${consumer}`));
  await page.getByTestId(`edit-consumer-${consumer}`).click();
  await expect(page.getByTestId("consumer-description")).toHaveValue("Partner university LMS");
  await page.getByTestId("consumer-description").fill("Partner university LMS (Moodle)");
  await page.getByTestId("consumer-save").click();
  await expect(page.getByTestId(`consumer-description-${consumer}`)).toHaveText("Partner university LMS (Moodle)");

  // The key is shown once, with the warning, and can be copied.
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  await page.getByTestId(`new-key-${consumer}`).click();
  const reveal = page.getByTestId("key-reveal");
  await expect(reveal).toBeVisible();
  await expect(page.getByTestId("key-reveal-note")).toHaveText("Store it now: it will not be shown again. Bulwark keeps only its hash. It takes effect when you publish.");
  const key = await page.getByTestId("key-value").inputValue();
  expect(key).toMatch(/^bwk_[A-Za-z0-9_-]{40,}$/);
  await page.getByTestId("key-copy").click();
  await expect(page.getByTestId("key-copy")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  const keyId = (await page.getByTestId(`keys-${consumer}`).locator("code").first().textContent())!;
  await expect(page.getByTestId(`key-unpublished-${keyId}`)).toBeVisible();
  await shoot(page, page.locator("section").first(), "consumers-new-key");
  await page.getByTestId("key-done").click();
  await expect(reveal).toHaveCount(0);
  expect(await pageShows(page, key)).toBe(false);
  await page.reload();
  await expect(page.getByTestId(`key-row-${keyId}`)).toContainText("created");
  expect(await pageShows(page, key)).toBe(false);
  expect(JSON.stringify(await apiList(request, "/consumers"))).not.toContain(key);

  // The route: key auth in the default header, two denied ranges, and a rate limit per consumer.
  await page.goto("/routes");
  await page.getByTestId("new-route").click();
  await page.getByTestId("route-name").fill(route);
  await page.getByTestId("route-path").fill(path);
  await page.getByTestId("route-service").selectOption(service);
  await page.getByTestId("access-apiKey-enabled").check();
  await expect(page.getByTestId("access-apiKey-header")).toHaveValue("x-api-key");
  await page.getByTestId("access-ipDeny").fill("203.0.113.0/24\n198.51.100.7");
  await page.getByTestId("route-rateLimit-enabled").check();
  await page.getByTestId("rateLimit-requests").fill("1000");
  await page.getByTestId("rateLimit-by").selectOption("consumer");
  await shoot(page, page.getByTestId("access-section"), "route-access-form");
  await page.getByTestId("route-save").click();
  const badges = page.getByTestId(`route-policies-${route}`);
  await expect(badges.getByRole("listitem")).toHaveText(["key auth", "IP deny 2", "rate 1000/1s per consumer"]);
  await expect(badges.getByTestId("policy-ip-deny")).toHaveAttribute("title", "203.0.113.0/24, 198.51.100.7 get 403 (2 entries)");
  await shoot(page, page.getByTestId(`route-row-${route}`), "routes-access-badges");
  const saved = (await (await request.get(`/api/v1/routes/${route}`)).json()) as Record<string, unknown>;
  expect(saved).toMatchObject({ auth: { apiKey: { header: "x-api-key" }, jwt: null }, ipAllow: [], ipDeny: ["203.0.113.0/24", "198.51.100.7"], rateLimit: { by: "consumer" } });

  await publish(page, `access ${id}`);
  await expectGateway(url, { "x-api-key": key }, `200 consumer=${consumer}`);
  await expectGateway(url, {}, "401 UNAUTHORIZED");
  await expectGateway(url, { "x-api-key": `${key}x` }, "401 INVALID_API_KEY");

  // Denying this machine's own address refuses even a good key.
  await page.getByTestId(`edit-route-${route}`).click();
  await expect(page.getByTestId("access-ipDeny")).toHaveValue("203.0.113.0/24, 198.51.100.7");
  await page.getByTestId("access-ipDeny").fill("203.0.113.0/24, 198.51.100.7, 127.0.0.1");
  await page.getByTestId("route-save").click();
  await expect(badges.getByTestId("policy-ip-deny")).toHaveText("IP deny 3");
  await publish(page, `deny loopback ${id}`);
  await expectGateway(url, { "x-api-key": key }, "403 IP_FORBIDDEN");

  // Revoking the key closes the route to it once published.
  await page.getByTestId(`edit-route-${route}`).click();
  await page.getByTestId("access-ipDeny").fill("203.0.113.0/24");
  await page.getByTestId("route-save").click();
  await expect(badges.getByTestId("policy-ip-deny")).toHaveText("IP deny 1");
  await page.goto("/consumers");
  await page.getByTestId(`revoke-key-${keyId}`).click();
  await page.getByTestId(`revoke-key-${keyId}-confirm`).click();
  await expect(page.getByTestId("notice")).toContainText(`Revoked key ${keyId} of ${consumer}`);
  await expect(page.getByTestId(`key-row-${keyId}`)).toHaveCount(0);
  await publish(page, `revoke ${id}`);
  await expectGateway(url, { "x-api-key": key }, "401 INVALID_API_KEY");
});

/** An HS256 JWT signed with `secret` (what a token issuer sharing the route's secret sends). */
function hs256(secret: string, claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const body = `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}`;
  return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
}

test("a route's HS256 secret is typed once and then only shown as set; saving without replacing it keeps the one the gateway checks", async ({ page, request, stack }) => {
  test.slow();
  const id = Date.now().toString(36);
  const service = `jwt-svc-${id}`;
  const route = `jwt-route-${id}`;
  const path = `/jwt-${id}`;
  const secret = `e2e-shared-secret-${id}-0123456789abcdef`;
  const url = `${stack.gatewayUrl}${path}/courses`;
  const token = hs256(secret, { sub: "lms-1", exp: Math.floor(Date.now() / 1000) + 3600 });
  expect((await request.post("/api/v1/services", { data: { name: service, targets: [{ address: `127.0.0.1:${upstreamPort}` }] } })).status()).toBe(201);

  await page.goto("/routes");
  await page.getByTestId("new-route").click();
  await page.getByTestId("route-name").fill(route);
  await page.getByTestId("route-path").fill(path);
  await page.getByTestId("route-service").selectOption(service);
  await page.getByTestId("access-jwt-enabled").check();
  await page.getByTestId("access-jwt-secret").fill(secret);
  await page.getByTestId("route-save").click();
  await expect(page.getByTestId(`route-policies-${route}`).getByTestId("policy-jwt")).toHaveText("JWT HS256");
  expect(await pageShows(page, secret)).toBe(false);
  const answer = await (await request.get(`/api/v1/routes/${route}`)).text();
  expect(answer).not.toContain(secret);
  expect(JSON.parse(answer).auth.jwt.secret).toEqual({ set: true, fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{12}$/) });

  // Reopened, the form says the secret is set, and nothing on the page (or in its inputs) holds it.
  await page.reload();
  await page.getByTestId(`edit-route-${route}`).click();
  await expect(page.getByTestId("access-jwt-secret-stored")).toContainText(JSON.parse(answer).auth.jwt.secret.fingerprint);
  await expect(page.getByTestId("access-jwt-secret")).toHaveCount(0);
  expect(await pageShows(page, secret)).toBe(false);
  await shoot(page, page.getByTestId("access-section"), "route-access-secret-set");
  // Replace offers an empty input and a way back; an unrelated change is saved with the stored secret kept.
  await page.getByTestId("access-jwt-secret-replace").click();
  await expect(page.getByTestId("access-jwt-secret")).toHaveValue("");
  await page.getByTestId("access-jwt-secret-keep").click();
  await expect(page.getByTestId("access-jwt-secret-stored")).toBeVisible();
  await page.getByTestId("access-jwt-clockSkewSec").fill("45");
  await page.getByTestId("route-save").click();
  await expect(page.getByTestId("notice")).toContainText(`Saved route ${route}`);
  expect(JSON.parse(await (await request.get(`/api/v1/routes/${route}`)).text()).auth.jwt).toMatchObject({ clockSkewSec: 45, secret: JSON.parse(answer).auth.jwt.secret });

  await publish(page, `jwt ${id}`);
  await expectGateway(url, { authorization: `Bearer ${token}` }, "200 consumer=lms-1");
  await expectGateway(url, { authorization: `Bearer ${hs256(`${secret}-wrong`, { sub: "lms-1" })}` }, "401 INVALID_TOKEN");
});

test("bad access input is shown at the right inputs, and nothing is saved", async ({ page, request }) => {
  const id = Date.now().toString(36);
  const service = `acl-bad-${id}`;
  expect((await request.post("/api/v1/services", { data: { name: service, targets: [{ address: "127.0.0.1:4904" }] } })).status()).toBe(201);
  const routesBefore = await apiList(request, "/routes");
  const consumersBefore = await apiList(request, "/consumers");

  await page.goto("/routes");
  await page.getByTestId("new-route").click();
  await page.getByTestId("route-name").fill(`acl-bad-route-${id}`);
  await page.getByTestId("route-path").fill(`/acl-bad-${id}`);
  await page.getByTestId("route-service").selectOption(service);
  await page.getByTestId("access-jwt-enabled").check();
  await expect(page.getByTestId("access-jwt-algorithm")).toHaveValue("HS256");
  await expect(page.getByTestId("access-jwt-secret")).toHaveAttribute("type", "password");
  await page.getByTestId("access-ipAllow").fill("10.0.0.0/8\n10.0.0.0/33");
  await page.getByTestId("access-ipDeny").fill("nope");
  await page.getByTestId("route-save").click();

  await expect(page.getByTestId("error-auth.jwt.secret")).toHaveText("HS256 needs the shared secret");
  await expect(page.getByTestId("access-jwt-secret")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("access-jwt-secret")).toBeFocused();
  await expect(page.getByTestId("error-ipAllow.1")).toHaveText("10.0.0.0/33: prefix must be 0 to 32");
  await expect(page.getByTestId("access-ipAllow")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("error-ipDeny.0")).toHaveText("nope: must be an IPv4 or IPv6 address, optionally with /prefix");
  await expect(page.getByTestId("form-error")).toContainText("Nothing was saved");
  await expect(page.getByTestId("form-error").getByRole("listitem")).toHaveCount(0);
  await shoot(page, page.getByTestId("access-section"), "route-access-errors");

  // RS256 needs a JWKS URL instead; the lists are fixed; counting per consumer with no credentials is refused.
  await page.getByTestId("access-jwt-algorithm").selectOption("RS256");
  await page.getByTestId("access-ipAllow").fill("10.0.0.0/8");
  await page.getByTestId("access-ipDeny").fill("");
  await page.getByTestId("route-save").click();
  await expect(page.getByTestId("error-auth.jwt.jwksUrl")).toHaveText("RS256 needs the JWKS URL to fetch keys from");
  await expect(page.getByTestId("access-jwt-jwksUrl")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("error-auth.jwt.secret")).toHaveCount(0);
  await expect(page.getByTestId("error-ipAllow.1")).toHaveCount(0);
  await page.getByTestId("access-jwt-enabled").uncheck();
  await page.getByTestId("route-rateLimit-enabled").check();
  await page.getByTestId("rateLimit-by").selectOption("consumer");
  await expect(page.getByText("Needs an API key or a JWT under Access.")).toBeVisible();
  await page.getByTestId("route-save").click();
  await expect(page.getByTestId("error-rateLimit.by")).toHaveText("counting per consumer needs auth on the route");
  await expect(page.getByTestId("rateLimit-by")).toHaveAttribute("aria-invalid", "true");
  expect(await apiList(request, "/routes")).toEqual(routesBefore);

  // A consumer name that is not a name.
  await page.goto("/consumers");
  await page.getByTestId("new-consumer").click();
  await page.getByTestId("consumer-name").fill("Mobile App");
  await page.getByTestId("consumer-save").click();
  await expect(page.getByTestId("error-name")).toHaveText("must be 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit");
  await expect(page.getByTestId("consumer-name")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("form-error")).toContainText("Nothing was saved");
  expect(await apiList(request, "/consumers")).toEqual(consumersBefore);
});
