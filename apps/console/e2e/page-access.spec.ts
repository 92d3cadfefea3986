import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { request as playwrightRequest } from "@playwright/test";
import { expect, test } from "./fixtures";

/**
 * Walks every page.tsx, so a page added later is covered the day it is added: without a session it redirects
 * to sign-in, and admin pages send weaker roles away. Also checks the security headers on pages and the API.
 */
const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), "../src/app");
const ADMIN_PAGES = new Set(["/users", "/tokens", "/audit"]);
/** Not the admin session every test gets from the config. */
const NO_SESSION = { cookies: [], origins: [] };

function pages(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return pages(path);
    if (entry !== "page.tsx") return [];
    const segments = relative(APP_DIR, dirname(path)).split(sep).filter(Boolean);
    return ["/" + segments.map((s) => s.replace(/^\[(\w+)\]$/, "x")).join("/")];
  });
}

test("every page redirects to sign-in without a session, and the sign-in page is the only one open", async ({ stack }) => {
  const all = pages(APP_DIR);
  expect(all).toEqual(expect.arrayContaining(["/", "/routes", "/slos/x", "/audit", "/sign-in"]));
  const anonymous = await playwrightRequest.newContext({ baseURL: stack.consoleUrl, storageState: NO_SESSION });
  for (const path of all) {
    const res = await anonymous.get(path, { maxRedirects: 0 });
    if (path === "/sign-in") {
      expect(res.status()).toBe(200);
      continue;
    }
    expect([path, res.status()]).toEqual([path, 307]);
    expect(res.headers().location).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
  }
  await anonymous.dispose();
});

test("a viewer is sent away from the admin pages and reaches the others", async ({ request, stack }) => {
  const password = "viewer password for e2e";
  const email = `pages-viewer-${Date.now()}@test`;
  expect((await request.post("/api/v1/users", { data: { email, role: "viewer", password } })).status()).toBe(201);
  const viewer = await playwrightRequest.newContext({ baseURL: stack.consoleUrl, storageState: NO_SESSION });
  expect((await viewer.post("/api/v1/auth/sign-in", { data: { email, password }, headers: { origin: stack.consoleUrl } })).status()).toBe(200);
  for (const path of pages(APP_DIR).filter((p) => p !== "/sign-in")) {
    const res = await viewer.get(path, { maxRedirects: 0 });
    const location = res.headers().location ?? "";
    if (ADMIN_PAGES.has(path)) expect([path, res.status(), location]).toEqual([path, 307, "/forbidden"]);
    else expect([path, location]).not.toEqual([path, expect.stringContaining("/sign-in")]);
  }
  await viewer.dispose();
});

test("pages and API answers carry the security headers; the CSP nonce is fresh each time and on Next's scripts", async ({ request, stack }) => {
  const anonymous = await playwrightRequest.newContext({ baseURL: stack.consoleUrl, storageState: NO_SESSION });
  const first = await anonymous.get("/sign-in");
  const second = await anonymous.get("/sign-in");
  const csp = first.headers()["content-security-policy"];
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).toMatch(/script-src 'self' 'nonce-[\w+/=]+' 'strict-dynamic'/);
  expect(csp).not.toContain("upgrade-insecure-requests"); // plain HTTP here: upgrading would break every asset
  const nonce = /'nonce-([^']+)'/.exec(csp)![1];
  expect(/'nonce-([^']+)'/.exec(second.headers()["content-security-policy"])![1]).not.toBe(nonce);
  const html = await first.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  for (const res of [first, await request.get("/api/v1/services"), await anonymous.get("/api/v1/services")]) {
    const h = res.headers();
    expect(h["x-content-type-options"]).toBe("nosniff");
    expect(h["referrer-policy"]).toBe("same-origin");
    expect(h["x-frame-options"]).toBe("DENY");
    expect(h["content-security-policy"]).toContain("frame-ancestors 'none'");
  }
  await anonymous.dispose();
});

test("signed-in pages and every API answer say Cache-Control: no-store", async ({ page, request }) => {
  for (const path of pages(APP_DIR).filter((p) => p !== "/sign-in" && !p.includes("/x"))) {
    const res = await page.request.get(path, { maxRedirects: 0 });
    expect([path, res.headers().location ?? ""]).not.toEqual([path, expect.stringContaining("/sign-in")]); // signed in
    expect([path, res.headers()["cache-control"]]).toEqual([path, expect.stringContaining("no-store")]);
  }
  for (const path of ["/api/v1/services", "/api/v1/users", "/api/v1/tokens", "/api/v1/audit", "/api/v1/nope"]) {
    expect([path, (await request.get(path)).headers()["cache-control"]]).toEqual([path, expect.stringContaining("no-store")]);
  }
});

test("a URL holding a NUL or broken percent-encoding is a 400 for pages and the API, never a 500", async ({ page, request }) => {
  for (const path of ["/routes?service=a%00b", "/traces?route=%00", "/slos/a%00b", "/slos/%E0%A4%A", "/api/v1/services/a%00b", "/api/v1/traces?route=%00", "/api/v1/services/%ED%A0%80"]) {
    const viaPage = await page.request.get(path, { maxRedirects: 0 });
    expect([path, viaPage.status()]).toEqual([path, 400]);
    const viaApi = await request.get(path, { maxRedirects: 0 });
    expect([path, viaApi.status()]).toEqual([path, 400]);
    expect((await viaApi.json()).error.code).toBe("BAD_URL");
  }
});

test("forwarded headers from a client that is not a trusted proxy decide nothing: the audit log keeps the real address and the cookie's Secure flag follows the real scheme", async ({
  request,
  stack,
}) => {
  const password = "forged headers password";
  const email = `forged-${Date.now()}@test`;
  expect((await request.post("/api/v1/users", { data: { email, role: "viewer", password } })).status()).toBe(201);
  const client = await playwrightRequest.newContext({ baseURL: stack.consoleUrl, storageState: NO_SESSION });
  const res = await client.post("/api/v1/auth/sign-in", {
    data: { email, password },
    headers: { origin: stack.consoleUrl, "x-forwarded-for": "6.6.6.6", "x-forwarded-proto": "https", "x-real-ip": "7.7.7.7", forwarded: "for=8.8.8.8;proto=https" },
  });
  expect(res.status()).toBe(200);
  expect(res.headers()["set-cookie"]).not.toMatch(/;\s*Secure/i);
  expect(res.headers()["strict-transport-security"]).toBeUndefined();
  const audit = await request.get(`/api/v1/audit?action=auth.sign-in&target=${encodeURIComponent(email)}`);
  const entries = (await audit.json()) as { action: string; ip: string | null }[];
  const signIn = entries.find((e) => e.action === "auth.sign-in");
  expect(signIn?.ip).toBe("127.0.0.1");
  await client.dispose();
});
