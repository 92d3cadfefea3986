import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, jwtVerify, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOutboundPolicy } from "@bulwark/config/outbound-policy";
import type { Resolve } from "@bulwark/config/outbound-fetch";
import { JwksCache } from "./jwks-cache";

let server: Server;
let port = 0;
let fetches = 0;
let jwk: JWK;
let token = "";

beforeAll(async () => {
  const pair = await generateKeyPair("RS256", { extractable: true });
  jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256" };
  token = await new SignJWT({ sub: "partner" }).setProtectedHeader({ alg: "RS256", kid: "k1" }).sign(pair.privateKey);
  server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((ok) => server.close(ok)));

const rebinding: Resolve = (hostname, callback) =>
  hostname === "keys.rebind.test" ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" }), []);

describe("JWKS fetching", () => {
  it("does not fetch keys from a name that resolves to a loopback address the allow-list does not name", async () => {
    const cache = new JwksCache({ policy: readOutboundPolicy({}), resolve: rebinding });
    const before = fetches;
    await expect(jwtVerify(token, cache.get(`http://keys.rebind.test:${port}/jwks.json`))).rejects.toThrow("keys.rebind.test resolves to 127.0.0.1, which is a loopback address");
    expect(fetches).toBe(before);
  });

  it("fetches them, from the address it checked, when the allow-list names the range", async () => {
    const cache = new JwksCache({ policy: readOutboundPolicy({ BULWARK_OUTBOUND_ALLOW: "127.0.0.1/32" }), resolve: rebinding });
    const { payload } = await jwtVerify(token, cache.get(`http://keys.rebind.test:${port}/jwks.json`));
    expect(payload.sub).toBe("partner");
  });

  it("refuses a bad allow-list when it is made, naming the variable", () => {
    const saved = process.env.BULWARK_OUTBOUND_ALLOW;
    process.env.BULWARK_OUTBOUND_ALLOW = "10.0.0.0/99";
    try {
      expect(() => new JwksCache()).toThrow(/^BULWARK_OUTBOUND_ALLOW: "10.0.0.0\/99"/);
    } finally {
      if (saved === undefined) delete process.env.BULWARK_OUTBOUND_ALLOW;
      else process.env.BULWARK_OUTBOUND_ALLOW = saved;
    }
  });
});
