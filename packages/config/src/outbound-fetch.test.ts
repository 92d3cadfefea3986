import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboundFetch, OutboundRefusedError, type Resolve } from "./outbound-fetch";
import { readOutboundPolicy } from "./outbound-policy";

let server: Server;
let port = 0;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(`${req.method} ${req.headers.host} ${req.url}`);
    req.resume().on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"keys":[]}'));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((ok) => server.close(ok)));

/** A DNS that answers from a table: names that exist nowhere, so only the checked address can be connected to. */
const dns =
  (table: Record<string, string[]>): Resolve =>
  (hostname, callback) => {
    const addresses = table[hostname];
    if (!addresses) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), []);
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
    );
  };

describe("outbound requests at run time", () => {
  it("does not send a webhook to a name that resolves to a loopback address", async () => {
    const before = hits.length;
    const sent = outboundFetch("webhook", `http://hooks.rebind.test:${port}/slo`, { method: "POST", body: "{}", policy: readOutboundPolicy({}), resolve: dns({ "hooks.rebind.test": ["127.0.0.1"] }) });
    await expect(sent).rejects.toThrow(OutboundRefusedError);
    await expect(sent).rejects.toThrow("hooks.rebind.test resolves to 127.0.0.1, which is a loopback address 127.0.0.1; webhooks may reach it only when BULWARK_OUTBOUND_ALLOW lists it");
    expect(hits.length).toBe(before);
  });

  it("refuses a name when any of its addresses is forbidden, and cloud metadata even for an allowed name", async () => {
    const policy = readOutboundPolicy({ BULWARK_OUTBOUND_ALLOW: "127.0.0.1,keys.corp.test" });
    const resolve = dns({ "mixed.test": ["93.184.216.34", "10.0.0.1"], "keys.corp.test": ["169.254.169.254"], "v6.test": ["::ffff:169.254.169.254"] });
    await expect(outboundFetch("jwks", `http://mixed.test:${port}/`, { policy, resolve })).rejects.toThrow("mixed.test resolves to 10.0.0.1, which is a private address");
    await expect(outboundFetch("jwks", `http://keys.corp.test:${port}/`, { policy, resolve })).rejects.toThrow("keys.corp.test resolves to 169.254.169.254, which is cloud metadata 169.254.169.254");
    await expect(outboundFetch("jwks", `http://v6.test:${port}/`, { policy, resolve })).rejects.toThrow("is cloud metadata 169.254.169.254");
  });

  it("connects to the address it checked: a name only the test's DNS knows reaches the allowed local server", async () => {
    const policy = readOutboundPolicy({ BULWARK_OUTBOUND_ALLOW: "127.0.0.1/32" });
    const res = await outboundFetch("jwks", `http://jwks.only-here.test:${port}/.well-known/jwks.json`, { policy, resolve: dns({ "jwks.only-here.test": ["127.0.0.1"] }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ keys: [] });
    expect(hits.at(-1)).toBe(`GET jwks.only-here.test:${port} /.well-known/jwks.json`);
  });

  it("checks IP literals, which never reach the resolver, before connecting", async () => {
    const before = hits.length;
    await expect(outboundFetch("webhook", `http://127.0.0.1:${port}/`, { method: "POST", body: "{}", policy: readOutboundPolicy({}) })).rejects.toThrow(
      `http://127.0.0.1:${port}/ points at a loopback address 127.0.0.1`,
    );
    await expect(outboundFetch("webhook", "http://0xa9fea9fe/latest/meta-data/", { policy: readOutboundPolicy({ BULWARK_OUTBOUND_ALLOW: "0.0.0.0/0" }) })).rejects.toThrow(
      "points at cloud metadata 169.254.169.254",
    );
    expect(hits.length).toBe(before);
    const ok = await outboundFetch("webhook", `http://127.0.0.1:${port}/hook`, { method: "POST", body: "{}", policy: readOutboundPolicy({ BULWARK_OUTBOUND_ALLOW: "127.0.0.1" }) });
    expect(ok.status).toBe(200);
    expect(hits.at(-1)).toBe(`POST 127.0.0.1:${port} /hook`);
  });

  it("closes the connection after the head when the body is not wanted", async () => {
    const res = await outboundFetch("webhook", `http://127.0.0.1:${port}/hook`, { method: "POST", body: "{}", maxBodyBytes: 0, policy: readOutboundPolicy({ BULWARK_OUTBOUND_ALLOW: "127.0.0.1" }) });
    expect(res.status).toBe(200);
    expect(res.body).toBeNull();
  });

  it("gives up on an answer larger than the limit", async () => {
    const policy = readOutboundPolicy({ BULWARK_OUTBOUND_ALLOW: "127.0.0.1" });
    await expect(outboundFetch("jwks", `http://127.0.0.1:${port}/`, { policy, maxBodyBytes: 4 })).rejects.toThrow("larger than 4 bytes");
  });
});
