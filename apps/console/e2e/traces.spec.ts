import { join } from "node:path";
import { createDb } from "@bulwark/db/client";
import { writeSpans, type SpanRow } from "@bulwark/db/traces";
import { expect, test } from "./fixtures";

const SHOT = join(import.meta.dirname, "artifacts/trace-waterfall.png");

test("the traces page lists a stored trace by route and status, and draws its upstream attempts as a waterfall", async ({ page, stack }, testInfo) => {
  const id = Date.now().toString(36);
  const traceId = `${id}${"0".repeat(32)}`.slice(0, 32);
  const start = Date.now() - 30_000;
  const base = { traceId, route: `exams-${id}`, service: "assessments", method: "GET", path: "/exams/42/questions", retries: 0, outcome: "proxied", errorCode: null, keptBecause: "error" as const };
  const spans: SpanRow[] = [
    {
      ...base,
      spanId: "a1",
      parentSpanId: null,
      name: `GET exams-${id}`,
      kind: "server",
      target: "127.0.0.1:4006",
      status: 200,
      retries: 1,
      startedAt: new Date(start),
      durationMs: 412,
      attributes: { worker: 2, breaker: "closed", rateLimit: "allowed" },
    },
    {
      ...base,
      spanId: "b1",
      parentSpanId: "a1",
      name: "upstream attempt 1",
      kind: "client",
      target: "127.0.0.1:4005",
      status: 502,
      errorCode: "UPSTREAM_CONNECTION_RESET",
      startedAt: new Date(start + 3),
      durationMs: 120,
      attributes: { connectMs: 18, target: "127.0.0.1:4005", status: 502 },
    },
    {
      ...base,
      spanId: "c1",
      parentSpanId: "a1",
      name: "upstream attempt 2",
      kind: "client",
      target: "127.0.0.1:4006",
      status: 200,
      startedAt: new Date(start + 160),
      durationMs: 248,
      attributes: { connectMs: 4, firstByteMs: 190, target: "127.0.0.1:4006", status: 200 },
    },
  ];
  const other = {
    ...spans[0],
    traceId: `${traceId.slice(0, 30)}ff`,
    spanId: "z1",
    status: 200,
    route: `catalog-${id}`,
    keptBecause: "sampled" as const,
    durationMs: 35,
    startedAt: new Date(start + 1000),
  };
  const db = createDb(stack.databaseUrl, { max: 1 });
  try {
    await writeSpans(db, [...spans, other]);
  } finally {
    await db.$disconnect();
  }

  await page.goto(`/traces?route=exams-${id}`);
  await expect(page.getByTestId(`trace-row-${traceId}`)).toContainText("GET /exams/42/questions");
  await expect(page.getByTestId(`trace-row-${other.traceId}`)).toHaveCount(0);
  await page.getByTestId("trace-status").fill("oops");
  await page.getByTestId("trace-apply").click();
  await expect(page.getByTestId("error-status")).toHaveText("must be a status such as 502, or 4xx or 5xx");
  await page.getByTestId("trace-status").fill("200");
  await page.getByTestId("trace-min-duration").fill("400");
  await page.getByTestId("trace-apply").click();
  await expect(page.getByTestId(`trace-row-${traceId}`)).toContainText("3");
  await expect(page.getByTestId("error-status")).toHaveCount(0);
  await page.getByTestId(`trace-row-${traceId}`).getByRole("link").click();

  await expect(page).toHaveURL(new RegExp(`/traces/${traceId}$`));
  const bars = ["a1", "b1", "c1"].map((s) => page.getByTestId(`bar-${s}`));
  for (const bar of bars) await expect(bar).toBeVisible();
  const [root, first, second] = await Promise.all(bars.map((b) => b.boundingBox()));
  // Positioned on the request's timeline: attempt 2 starts after attempt 1 ends, both inside the request.
  expect(first!.x).toBeGreaterThanOrEqual(root!.x);
  expect(second!.x).toBeGreaterThan(first!.x + first!.width);
  expect(second!.x + second!.width).toBeLessThanOrEqual(root!.x + root!.width + 1);
  expect(second!.width / root!.width).toBeCloseTo(248 / 412, 1);
  await expect(page.getByTestId("span-b1")).toContainText("502");
  await page.getByTestId("span-c1").click();
  await expect(page.getByTestId("span-detail")).toContainText("firstByteMs");
  await page.screenshot({ path: SHOT, fullPage: true });
  await testInfo.attach("trace-waterfall", { path: SHOT, contentType: "image/png" });
});
