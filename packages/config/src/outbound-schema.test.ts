import { afterEach, describe, expect, it, vi } from "vitest";
import { formatIssues } from "./format-issues";
import { GatewayConfigSchema } from "./schema";
import { SloSchema } from "./slo-schema";

afterEach(() => vi.unstubAllEnvs());

function errorsOf(schema: { safeParse(v: unknown): { success: boolean; error?: import("zod").ZodError } }, value: unknown) {
  const r = schema.safeParse(value);
  expect(r.success).toBe(false);
  return formatIssues(r.error!);
}

const configWithTarget = (address: string) => ({
  services: [{ name: "catalog", targets: [{ address: "127.0.0.1:4001" }, { address }] }],
  routes: [{ name: "courses", path: "/courses", service: "catalog" }],
});
const configWithJwks = (jwksUrl: string) => ({
  services: [{ name: "catalog", targets: [{ address: "127.0.0.1:4001" }] }],
  routes: [
    { name: "courses", path: "/courses", service: "catalog" },
    { name: "exams", path: "/exams", service: "catalog", auth: { jwt: { algorithm: "RS256", jwksUrl } } },
  ],
});
const slo = (webhookUrl: string) => ({ name: "exams", target: { kind: "route", name: "exams" }, indicator: { type: "availability" }, objectivePercent: 99.9, webhookUrl });

describe("outbound addresses in the gateway config", () => {
  it.each([
    ["169.254.169.254:80", "points at cloud metadata 169.254.169.254"],
    ["[fd00:ec2::254]:80", "points at cloud metadata fd00:ec2::254"],
    ["[::ffff:169.254.169.254]:80", "points at cloud metadata 169.254.169.254 (written ::ffff:a9fe:a9fe)"],
    ["metadata.google.internal:80", "points at cloud metadata metadata.google.internal"],
    ["169.254.3.4:8000", "points at a link-local address 169.254.3.4; service targets may reach it only when BULWARK_OUTBOUND_ALLOW lists it"],
    ["[fe80::1]:8000", "points at a link-local address fe80::1; service targets may reach it only when BULWARK_OUTBOUND_ALLOW lists it"],
    ["0.0.0.0:4002", "points at the unspecified address 0.0.0.0, which reaches this host"],
    ["[::]:4002", "points at the unspecified address ::, which reaches this host"],
    ["127.0.0.1:9091", "is the gateway's admin port (GATEWAY_ADMIN_PORT=9091) on this host"],
    ["localhost:8080", "is the gateway's own proxy port (GATEWAY_PORT=8080) on this host"],
    ["0x7f.1:3000", "is the console's port (CONSOLE_PORT=3000) on this host"],
    ["[::1]:3000", "is the console's port (CONSOLE_PORT=3000) on this host"],
  ])("refuses a service target at %s with its field path", (address, message) => {
    expect(errorsOf(GatewayConfigSchema, configWithTarget(address))).toEqual([{ path: "services.0.targets.1.address", message }]);
  });

  it.each(["127.0.0.1:4002", "localhost:4002", "10.0.1.11:4001", "[::1]:4002", "upstream.internal:8080", "10.0.0.9:9091"])("keeps a loopback or private target such as %s", (address) => {
    expect(GatewayConfigSchema.safeParse(configWithTarget(address)).success).toBe(true);
  });

  it("takes the own ports from the environment the console and the workers share", () => {
    vi.stubEnv("GATEWAY_ADMIN_PORT", "19091");
    expect(GatewayConfigSchema.safeParse(configWithTarget("127.0.0.1:9091")).success).toBe(true);
    expect(errorsOf(GatewayConfigSchema, configWithTarget("127.0.0.1:19091"))).toEqual([
      { path: "services.0.targets.1.address", message: "is the gateway's admin port (GATEWAY_ADMIN_PORT=19091) on this host" },
    ]);
  });

  it.each([
    ["http://127.0.0.1:4444/jwks.json", "points at a loopback address 127.0.0.1; JWKS URLs may reach it only when BULWARK_OUTBOUND_ALLOW lists it"],
    ["http://10.0.0.8/jwks.json", "points at a private address 10.0.0.8; JWKS URLs may reach it only when BULWARK_OUTBOUND_ALLOW lists it"],
    ["http://169.254.169.254/latest/meta-data/iam/", "points at cloud metadata 169.254.169.254"],
    ["http://2852039166/", "points at cloud metadata 169.254.169.254"],
    ["http://[fe80::1]/jwks", "points at a link-local address fe80::1; JWKS URLs may reach it only when BULWARK_OUTBOUND_ALLOW lists it"],
    ["http://localhost:9091/status", "is the gateway's admin port (GATEWAY_ADMIN_PORT=9091) on this host"],
  ])("refuses a JWKS URL %s with its field path", (url, message) => {
    expect(errorsOf(GatewayConfigSchema, configWithJwks(url))).toEqual([{ path: "routes.1.auth.jwt.jwksUrl", message }]);
  });

  it("allows a JWKS URL in a range BULWARK_OUTBOUND_ALLOW lists, and still never metadata", () => {
    vi.stubEnv("BULWARK_OUTBOUND_ALLOW", "127.0.0.1/32,169.254.0.0/16");
    expect(GatewayConfigSchema.safeParse(configWithJwks("http://127.0.0.1:4444/jwks.json")).success).toBe(true);
    expect(GatewayConfigSchema.safeParse(configWithJwks("https://auth.example.edu/jwks.json")).success).toBe(true);
    expect(errorsOf(GatewayConfigSchema, configWithJwks("http://169.254.169.254/"))).toEqual([{ path: "routes.1.auth.jwt.jwksUrl", message: "points at cloud metadata 169.254.169.254" }]);
  });
});

describe("outbound addresses of SLO webhooks", () => {
  it.each([
    ["http://127.0.0.1:5555/hook", "points at a loopback address 127.0.0.1; webhooks may reach it only when BULWARK_OUTBOUND_ALLOW lists it"],
    ["http://192.168.1.20/hook", "points at a private address 192.168.1.20; webhooks may reach it only when BULWARK_OUTBOUND_ALLOW lists it"],
    ["http://[fd00:ec2::254]/", "points at cloud metadata fd00:ec2::254"],
    ["http://0.0.0.0:5555/", "points at the unspecified address 0.0.0.0, which reaches this host"],
    ["http://localhost:3000/api/v1/publish", "is the console's port (CONSOLE_PORT=3000) on this host"],
  ])("refuses %s with the webhookUrl field", (url, message) => {
    expect(errorsOf(SloSchema, slo(url))).toEqual([{ path: "webhookUrl", message }]);
  });

  it("accepts a public webhook, and a local one the allow-list names", () => {
    expect(SloSchema.safeParse(slo("https://hooks.example.edu/slo")).success).toBe(true);
    vi.stubEnv("BULWARK_OUTBOUND_ALLOW", "127.0.0.1");
    expect(SloSchema.safeParse(slo("http://127.0.0.1:5555/hook")).success).toBe(true);
  });
});
