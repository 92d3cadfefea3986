import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayConfigSchema } from "@bulwark/config/schema";
import { demoSeedConfig } from "./demo-seed";
import { startDemoPlatform, type DemoPlatform } from "./start-platform";

let platform: DemoPlatform;
beforeAll(async () => {
  platform = await startDemoPlatform({ basePort: 0 });
});
afterAll(() => platform.stop());

const urlOf = (name: string) => {
  const i = platform.instances.find((x) => x.instance === name)!;
  return `http://${i.host}:${i.port}`;
};

describe("demo platform", () => {
  it("runs two instances of each of the four services, each saying who answered", async () => {
    expect(platform.instances.map((i) => i.instance)).toEqual(["catalog-1", "catalog-2", "enrollment-1", "enrollment-2", "assessments-1", "assessments-2", "live-classes-1", "live-classes-2"]);
    const res = await fetch(`${urlOf("catalog-2")}/courses/cs101`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-demo-instance")).toBe("catalog-2");
    expect(await res.json()).toMatchObject({ id: "cs101", instance: "catalog-2" });
  });

  it("accepts an exam submission", async () => {
    const res = await fetch(`${urlOf("assessments-1")}/exams/cs101-final/submissions`, { method: "POST", body: JSON.stringify({ answers: [1, 2, 3] }) });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ exam: "cs101-final", answers: 3 });
  });

  it("can be told to fail and slow down, and refuses bad chaos settings", async () => {
    const bad = await fetch(`${urlOf("enrollment-1")}/__demo/chaos`, { method: "POST", body: JSON.stringify({ failRate: 2 }) });
    expect(bad.status).toBe(422);
    await fetch(`${urlOf("enrollment-1")}/__demo/chaos`, { method: "POST", body: JSON.stringify({ failRate: 1, failStatus: 503, latencyMs: 50 }) });
    const started = Date.now();
    const res = await fetch(`${urlOf("enrollment-1")}/enrollments`);
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    const other = await fetch(`${urlOf("enrollment-2")}/enrollments`);
    expect(other.status).toBe(200);
  });

  it("seeds a config that every worker accepts", () => {
    const parsed = GatewayConfigSchema.safeParse(demoSeedConfig(platform.instances));
    expect(parsed.success).toBe(true);
    expect(parsed.data?.routes.map((r) => r.path)).toEqual(["/catalog", "/enrollment", "/assessments", "/live"]);
  });
});
