import { join } from "node:path";
import { expect, test } from "./fixtures";

const SHOT = join(import.meta.dirname, "artifacts/routes-page.png");

test("the routes page renders a readable table (screenshot artifact)", async ({ page, request }, testInfo) => {
  const services = [
    {
      name: "catalog",
      description: "Course catalog",
      targets: [
        { address: "10.0.1.11:4001", weight: 100 },
        { address: "10.0.1.12:4001", weight: 50 },
      ],
    },
    { name: "catalog-v2", description: "Course catalog, next release", targets: [{ address: "10.0.1.21:4001" }] },
    { name: "assessments", description: "Exams and grading", targets: [{ address: "10.0.2.21:4003" }], circuitBreaker: { failureRatePercent: 50 } },
  ];
  const routes = [
    {
      name: "catalog-courses",
      path: "/courses",
      service: "catalog",
      methods: ["GET", "HEAD"],
      hosts: ["api.example.edu"],
      rateLimit: { requests: 100, windowMs: 1000, by: "ip" },
      split: { service: "catalog-v2", percent: 10 },
      fallback: { lastGood: true },
    },
    {
      name: "exam-submit",
      path: "/exams/:examId/submissions",
      pathType: "template",
      methods: ["POST"],
      service: "assessments",
      timeouts: { connectMs: 1000, responseHeaderMs: 5000, totalMs: 10000 },
      priority: "critical",
      retries: { attempts: 0 },
      maxBodyBytes: 5 * 1024 * 1024,
    },
    { name: "catalog-legacy", path: "/v1/catalog", service: "catalog", stripPrefix: true, priority: "low", faults: { delay: { percent: 20, ms: 1500 } } },
  ];
  // Idempotent: the suite shares one database, and another test may have created these already.
  for (const s of services) await request.post("/api/v1/services", { data: s });
  for (const r of routes) await request.post("/api/v1/routes", { data: r });

  await page.goto("/routes");
  for (const r of routes) await expect(page.getByTestId(`route-row-${r.name}`)).toBeVisible();
  await expect(page.getByTestId("route-policies-catalog-courses")).toContainText("canary 10% → catalog-v2");
  await expect(page.getByTestId("route-policies-exam-submit")).toContainText("breaker");
  await expect(page.getByTestId("faults-warning")).toContainText("catalog-legacy");
  await page.getByTestId("new-route").click();
  await expect(page.getByTestId("route-form")).toBeVisible();
  await page.screenshot({ path: SHOT, fullPage: true });
  await testInfo.attach("routes-page", { path: SHOT, contentType: "image/png" });
});
