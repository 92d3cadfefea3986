import { describe, expect, it } from "vitest";
import { parseTrustedProxies, resolveForwarded } from "@/server/http/forwarded";

const none = parseTrustedProxies(undefined);
const lb = parseTrustedProxies("10.0.0.0/8, 192.0.2.10, fd00::/8");

describe("forwarded headers are believed only from CONSOLE_TRUSTED_PROXIES", () => {
  it("without trusted proxies, the socket's peer is the client and plain HTTP is HTTP, whatever the headers say", () => {
    expect(resolveForwarded("203.0.113.5", { "x-forwarded-for": "1.2.3.4", "x-forwarded-proto": "https" }, false, none)).toEqual({ clientIp: "203.0.113.5", proto: "http" });
    expect(resolveForwarded("::ffff:127.0.0.1", { "x-forwarded-for": "8.8.8.8" }, true, none)).toEqual({ clientIp: "127.0.0.1", proto: "https" });
  });

  it("a client not in the list cannot forge them, even when it is on a private address", () => {
    expect(resolveForwarded("172.16.0.9", { "x-forwarded-for": "10.0.0.1", "x-forwarded-proto": "https" }, false, lb)).toEqual({ clientIp: "172.16.0.9", proto: "http" });
  });

  it("behind trusted proxies, the right-most hop that is not one of them is the client", () => {
    expect(resolveForwarded("10.0.0.2", { "x-forwarded-for": "6.6.6.6, 198.51.100.7, 10.1.1.1", "x-forwarded-proto": "https" }, false, lb)).toEqual({ clientIp: "198.51.100.7", proto: "https" });
    expect(resolveForwarded("::ffff:192.0.2.10", { "x-forwarded-for": ["198.51.100.8", "10.9.9.9"] }, false, lb)).toEqual({ clientIp: "198.51.100.8", proto: "http" });
    expect(resolveForwarded("fd00::1", { "x-forwarded-for": "2001:db8::7" }, false, lb).clientIp).toBe("2001:db8::7");
    // Every hop trusted: the left-most is as far as the chain goes.
    expect(resolveForwarded("10.0.0.2", { "x-forwarded-for": "10.3.3.3, 10.4.4.4" }, false, lb).clientIp).toBe("10.3.3.3");
    // A garbled hop ends the walk at the last address a trusted proxy vouched for.
    expect(resolveForwarded("10.0.0.2", { "x-forwarded-for": "1.1.1.1, <script>, 10.5.5.5" }, false, lb).clientIp).toBe("10.5.5.5");
    // No header from a trusted proxy: the proxy itself.
    expect(resolveForwarded("10.0.0.2", {}, false, lb)).toEqual({ clientIp: "10.0.0.2", proto: "http" });
  });

  it("refuses a setting that is not addresses or CIDRs, rather than trusting something else", () => {
    for (const bad of ["10.0.0.0/33", "example.com", "10.0.0.0/x", "::1/129"]) expect(() => parseTrustedProxies(bad), bad).toThrow(/CONSOLE_TRUSTED_PROXIES/);
  });
});
