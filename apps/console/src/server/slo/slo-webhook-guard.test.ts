import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Resolve } from "@bulwark/config/outbound-fetch";
import { readOutboundPolicy } from "@bulwark/config/outbound-policy";
import type { Slo } from "@bulwark/config/slo";
import { sendWebhook, type AlertChange } from "@/server/slo/evaluate-slo-alerts";

let receiver: Server;
let port = 0;
let received = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    received++;
    req.resume().on("end", () => res.writeHead(204).end());
  });
  await new Promise<void>((ok) => receiver.listen(0, "127.0.0.1", ok));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(() => new Promise((ok) => receiver.close(ok)));

const change = (webhookUrl: string): AlertChange =>
  ({
    slo: {
      name: "exams-availability",
      description: "",
      target: { kind: "route", name: "exams" },
      indicator: { type: "availability", fallbacksCountAsGood: false },
      objectivePercent: 99.9,
      windowDays: 30,
      webhookUrl,
    } satisfies Slo,
    previous: "ok",
    status: { alert: "page", budget: { sli: 0.9, remainingFraction: -99 }, burnRates: { "5m": 100 }, firing: [] },
    at: new Date(Date.UTC(2026, 10, 25, 9, 0)),
  }) as unknown as AlertChange;

/** The name resolved to a public address when the SLO was saved; now it answers with loopback (DNS rebinding). */
const rebound: Resolve = (hostname, callback) =>
  hostname === "hooks.rebind.test" ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), []);

describe("SLO webhooks at run time", () => {
  it("does not send a webhook to a name that now resolves to a loopback address, and logs why", async () => {
    const log = { warn: vi.fn() };
    const result = await sendWebhook(change(`http://hooks.rebind.test:${port}/slo`), { policy: readOutboundPolicy({}), resolve: rebound, log });
    expect(result).toMatchObject({ slo: "exams-availability", ok: false });
    expect(result.error).toBe(`OutboundRefusedError: hooks.rebind.test resolves to 127.0.0.1, which is a loopback address 127.0.0.1; webhooks may reach it only when BULWARK_OUTBOUND_ALLOW lists it`);
    expect(received).toBe(0);
    expect(String(log.warn.mock.calls[0][0])).toContain("hooks.rebind.test resolves to 127.0.0.1");
  });

  it("does not send one to cloud metadata written in another spelling, whatever the allow-list says", async () => {
    const result = await sendWebhook(change("http://0xa9fea9fe/latest/meta-data/"), { policy: readOutboundPolicy({ BULWARK_OUTBOUND_ALLOW: "0.0.0.0/0" }), log: { warn: vi.fn() } });
    expect(result.error).toBe("OutboundRefusedError: http://0xa9fea9fe/latest/meta-data/ points at cloud metadata 169.254.169.254");
    expect(received).toBe(0);
  });

  it("sends it, to the checked address, when the allow-list names the range", async () => {
    const result = await sendWebhook(change(`http://hooks.rebind.test:${port}/slo`), {
      policy: readOutboundPolicy({ BULWARK_OUTBOUND_ALLOW: "127.0.0.1/32" }),
      resolve: rebound,
      log: { warn: vi.fn() },
    });
    expect(result).toMatchObject({ ok: true, status: 204 });
    expect(received).toBe(1);
  });
});
