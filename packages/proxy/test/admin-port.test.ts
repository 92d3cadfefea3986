import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { writeLastKnownGood } from "../src/config/last-known-good";
import { startGateway, tempDir, type Gateway } from "./gateway-harness";

// The admin port needs no PostgreSQL: these gateways point at a database that is not there and start from a
// last-known-good file with an empty config, which is enough for the workers to be ready.
const NO_DATABASE = "postgresql://bulwark:bulwark@127.0.0.1:1/none";
const stateDir = tempDir("bulwark-admin-");
writeLastKnownGood(stateDir, { version: 1, hash: "empty", config: { services: [], routes: [] } });
const start = (env: Record<string, string> = {}) => startGateway({ databaseUrl: NO_DATABASE, workers: 1, stateDir, env });

/**
 * An IPv4 address of this machine other than 127.0.0.1. Without a network interface, 127.0.0.2: Linux answers
 * all of 127/8 on loopback, so a socket on the wildcard address accepts there and one on 127.0.0.1 does not.
 */
function otherAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.2";
}

/** Whether a TCP connection to host:port is accepted; a refusal or a timeout is "no". */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect({ host, port, timeout: 2_000 });
    const done = (accepted: boolean) => {
      socket.destroy();
      ok(accepted);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

function portOf(gateway: Gateway): number {
  return Number(new URL(gateway.adminUrl).port);
}

const running: Gateway[] = [];
afterAll(async () => {
  for (const g of running) await g.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("the admin port by default", () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await start();
    running.push(gateway);
  });

  it("answers /status and /metrics on loopback without credentials", async () => {
    expect(await gateway.status()).toMatchObject({ ready: true, workers: [{ version: 1, source: "last-known-good" }] });
    expect((await fetch(`${gateway.adminUrl}/metrics`)).status).toBe(200);
  });

  it("is not reachable on the machine's other addresses", async () => {
    expect(await accepts(otherAddress(), portOf(gateway))).toBe(false);
  });
});

describe("GATEWAY_ADMIN_HOST", () => {
  it("opens the admin port on another address when set (so the test above proves the address is usable)", async () => {
    const address = otherAddress();
    const gateway = await start({ GATEWAY_ADMIN_HOST: "0.0.0.0" });
    running.push(gateway);
    expect(await accepts(address, portOf(gateway))).toBe(true);
    expect((await fetch(`http://${address}:${portOf(gateway)}/healthz`)).status).toBe(200);
  });
});

describe("with GATEWAY_ADMIN_TOKEN", () => {
  const token = "scrape-token-0123456789abcdef";
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await start({ GATEWAY_ADMIN_TOKEN: token });
    running.push(gateway);
  });

  for (const path of ["/status", "/metrics"]) {
    it(`${path} answers 401 without the token or with a wrong one, 200 with it`, async () => {
      const none = await fetch(`${gateway.adminUrl}${path}`);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toBe("Bearer");
      expect(await none.json()).toEqual({ error: { code: "UNAUTHORIZED", message: expect.any(String) } });
      for (const authorization of [`Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, "Bearer ", `Basic ${token}`, token]) {
        expect((await fetch(`${gateway.adminUrl}${path}`, { headers: { authorization } })).status, authorization).toBe(401);
      }
      expect((await fetch(`${gateway.adminUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${gateway.adminUrl}${path}`, { headers: { authorization: `bearer ${token}` } })).status).toBe(200);
    });
  }

  it("/healthz and /readyz stay open for load balancers", async () => {
    expect((await fetch(`${gateway.adminUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gateway.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, draining: false });
  });
});
