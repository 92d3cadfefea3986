import { join } from "node:path";
import type { Browser } from "@playwright/test";
import { expect, test } from "./fixtures";

const ARTIFACTS = join(import.meta.dirname, "artifacts");

/** A browser with no session: what someone who just opened the console sees. */
async function freshPage(browser: Browser, baseURL: string) {
  const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  return { context, page: await context.newPage() };
}

test("sign-in: a wrong password is refused, the right one lands on the page asked for, sign-out ends the session on the server", async ({ browser, stack }) => {
  const { context, page } = await freshPage(browser, stack.consoleUrl);
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto("/services");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fservices$/);
  await expect(page.getByTestId("sign-in-form")).toBeVisible();
  await page.screenshot({ path: join(ARTIFACTS, "sign-in.png") });

  await page.getByTestId("sign-in-email").fill(process.env.BULWARK_E2E_ADMIN_EMAIL!);
  await page.getByTestId("sign-in-password").fill("not the password");
  await page.getByTestId("sign-in-submit").click();
  await expect(page.getByTestId("sign-in-error")).toHaveText("The email or password is wrong.");

  await page.getByTestId("sign-in-password").fill(process.env.BULWARK_E2E_ADMIN_PASSWORD!);
  await page.getByTestId("sign-in-submit").click();
  await expect(page).toHaveURL(/\/services$/);
  await expect(page.getByTestId("nav-role")).toHaveText("admin");
  await expect(page.getByTestId("new-service")).toBeVisible();
  // No script was blocked by the CSP (React hydrated: the form and the nav work).
  expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);

  const cookie = (await context.cookies()).find((c) => c.name === "bulwark_session")!;
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
  await page.getByTestId("sign-out").click();
  await expect(page).toHaveURL(/\/sign-in/);
  // The old cookie, replayed, is worthless: the session was revoked on the server.
  const replay = await fetch(`${stack.consoleUrl}/api/v1/auth/me`, { headers: { cookie: `bulwark_session=${cookie.value}` } });
  expect(replay.status).toBe(401);
  await context.close();
});

test("a viewer sees no edit controls, and the server refuses the changes the UI hides", async ({ browser, request, stack }) => {
  const id = Date.now().toString(36);
  const email = `viewer-${id}@test`;
  const password = "a viewer's long password";
  expect((await request.post("/api/v1/users", { data: { email, role: "viewer", password } })).status()).toBe(201);
  expect((await request.post("/api/v1/services", { data: { name: `seen-${id}`, targets: [{ address: "127.0.0.1:4911" }] } })).status()).toBe(201);
  expect((await request.post("/api/v1/consumers", { data: { name: `partner-${id}` } })).status()).toBe(201);

  const { context, page } = await freshPage(browser, stack.consoleUrl);
  await page.goto("/sign-in");
  await page.getByTestId("sign-in-email").fill(email);
  await page.getByTestId("sign-in-password").fill(password);
  await page.getByTestId("sign-in-submit").click();
  await expect(page).toHaveURL(/\/$|\/routes$/);
  await expect(page.getByTestId("nav-role")).toHaveText("viewer");
  await expect(page.getByTestId("read-only")).toBeVisible();
  await expect(page.getByTestId("publish-button")).toHaveCount(0);
  await expect(page.getByTestId("new-route")).toHaveCount(0);
  await expect(page.getByTestId("nav-users")).toHaveCount(0);

  await page.goto("/services");
  await expect(page.getByText(`seen-${id}`)).toBeVisible();
  await expect(page.getByTestId("new-service")).toHaveCount(0);
  await expect(page.getByTestId(`edit-service-seen-${id}`)).toHaveCount(0);
  await expect(page.getByTestId(`delete-service-seen-${id}`)).toHaveCount(0);
  await page.goto("/consumers");
  await expect(page.getByText(`partner-${id}`)).toBeVisible();
  await expect(page.getByTestId(`new-key-partner-${id}`)).toHaveCount(0);
  await expect(page.getByTestId("new-consumer")).toHaveCount(0);
  await page.goto("/slos");
  await expect(page.getByTestId("new-slo")).toHaveCount(0);
  await page.goto("/users");
  await expect(page.getByTestId("forbidden")).toBeVisible();

  // What the UI hides, the server refuses: the same calls from the viewer's own page, cookie and Origin included.
  const answers = await page.evaluate(async (name) => {
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`/api/v1${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      return `${res.status} ${((await res.json().catch(() => ({}))) as { error?: { code?: string } }).error?.code}`;
    };
    return [
      await send("POST", "/publish", {}),
      await send("DELETE", `/services/seen-${name}`),
      await send("POST", `/consumers/partner-${name}/keys`),
      await send("POST", "/tokens", { name: "sneaky", role: "admin", expiresInDays: 1 }),
    ];
  }, id);
  expect(answers).toEqual(["403 FORBIDDEN", "403 FORBIDDEN", "403 FORBIDDEN", "403 FORBIDDEN"]);
  await context.close();
});

test("an admin makes an API token, sees it once, automation uses it with a Bearer header, and revoking it stops it; the audit page shows who did what", async ({ page, stack }) => {
  const id = Date.now().toString(36);
  await page.goto("/tokens");
  await page.getByTestId("token-name").fill(`gitops-${id}`);
  await page.getByTestId("token-role").selectOption("operator");
  await page.getByTestId("token-expiry").selectOption("30");
  await page.getByTestId("token-create").click();
  const token = (await page.getByTestId("token-value").textContent())!;
  expect(token).toMatch(/^bwt_[\w-]{43}$/);
  await expect(page.getByTestId(`token-status-gitops-${id}`)).toHaveText("active");

  // curl-style: no cookie, no Origin, just the token.
  const api = (method: string, path: string, body?: unknown, bearer = token) =>
    fetch(`${stack.consoleUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  expect((await api("GET", "/routes")).status).toBe(200);
  expect((await api("POST", "/services", { name: `gitops-svc-${id}`, targets: [{ address: "127.0.0.1:4912" }] })).status).toBe(201);
  expect((await api("GET", "/users")).status).toBe(403); // an operator token is not an admin

  await page.reload();
  await expect(page.getByTestId("token-value")).toHaveCount(0);
  await expect(page.getByText(token)).toHaveCount(0);
  await page.getByTestId(`token-revoke-gitops-${id}`).click();
  await page.getByTestId(`token-revoke-gitops-${id}-confirm`).click();
  await expect(page.getByTestId(`token-status-gitops-${id}`)).toHaveText("revoked");
  expect((await api("GET", "/routes")).status).toBe(401);

  await page.goto("/audit");
  await page.getByTestId("audit-filter-target").fill(id);
  await page.getByTestId("audit-apply").click();
  const actions = page.getByTestId("audit-action");
  await expect(actions).toHaveText(["token.revoke", "service.create", "token.create"]);
  await expect(page.getByTestId("audit-row").nth(1)).toContainText(`gitops-${id}`);
  await page.getByTestId("audit-filter-target").fill("");
  await page.getByTestId("audit-apply").click();
  await expect(page.getByTestId("audit-row").first()).toBeVisible();
  await page.screenshot({ path: join(ARTIFACTS, "audit.png"), fullPage: false });
});
