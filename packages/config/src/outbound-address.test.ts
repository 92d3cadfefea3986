import { describe, expect, it } from "vitest";
import { formatIp, parseIp } from "./ip-address";
import { addressTarget, classifyIp, outboundRefusal, urlRefusal, urlTarget, type OutboundUse } from "./outbound-address";
import { readOutboundPolicy } from "./outbound-policy";

const none = readOutboundPolicy({});
const refusal = (use: OutboundUse, url: string, policy = none) => urlRefusal(use, url, policy);
const targetRefusal = (host: string, port: number, policy = none) => {
  const t = addressTarget(host, port);
  return t === null ? "unparsable" : outboundRefusal("target", t, policy);
};

describe("IP parsing", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["::1", "::1"],
    ["[::1]", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["::ffff:169.254.169.254", "::ffff:a9fe:a9fe"],
    ["fd00:ec2:0:0:0:0:0:254", "fd00:ec2::254"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["::", "::"],
  ])("reads %s as %s", (text, canonical) => {
    expect(formatIp(parseIp(text)!)).toBe(canonical);
  });

  it.each(["1.2.3", "256.1.1.1", "01.2.3.4", "1::2::3", "fe80::1%eth0", "::ffff:1.2.3.4.5", "1.2.3.4::", "12345::", "", "localhost", "1:2:3:4:5:6:7:8:9"])("refuses %s", (text) => {
    expect(parseIp(text)).toBeNull();
  });
});

describe("address classes", () => {
  it.each([
    ["169.254.169.254", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["100.100.100.200", "metadata"],
    ["::ffff:169.254.169.254", "metadata"],
    ["64:ff9b::a9fe:a9fe", "metadata"],
    ["::a9fe:a9fe", "metadata"],
    ["169.254.1.1", "link-local"],
    ["fe80::1", "link-local"],
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["::", "unspecified"],
    ["::ffff:0.0.0.0", "unspecified"],
    ["10.1.2.3", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.1", "private"],
    ["100.64.0.1", "private"],
    ["fd12:3456::1", "private"],
    ["224.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["ff02::1", "reserved"],
    ["172.32.0.1", "public"],
    ["93.184.216.34", "public"],
    ["2606:4700::1111", "public"],
    ["::ffff:93.184.216.34", "public"],
  ])("%s is %s", (text, cls) => {
    expect(classifyIp(parseIp(text)!)).toBe(cls);
  });
});

describe("URL spellings are read as the URL parser (and so fetch) reads them", () => {
  it.each([
    ["http://169.254.169.254/latest/meta-data/", "169.254.169.254"],
    ["http://169.254.169.254./", "169.254.169.254"],
    ["http://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254"],
    ["http://2852039166/", "169.254.169.254"],
    ["http://0251.0376.0251.0376/", "169.254.169.254"],
    ["http://169.254.43518/", "169.254.169.254"],
    ["http://%31%36%39.254.169.254/", "169.254.169.254"],
    ["http://[::ffff:169.254.169.254]/", "169.254.169.254 (written ::ffff:a9fe:a9fe)"],
    ["http://[::ffff:a9fe:a9fe]/", "169.254.169.254 (written ::ffff:a9fe:a9fe)"],
    ["http://[fd00:ec2::254]/", "fd00:ec2::254"],
    ["http://[FD00:EC2:0:0:0:0:0:254]/", "fd00:ec2::254"],
    ["http://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal"],
    ["http://METADATA.google.internal./", "metadata.google.internal."],
  ])("%s is cloud metadata for every use", (url, shown) => {
    for (const use of ["target", "jwks", "webhook"] as const) expect(refusal(use, url)).toBe(`points at cloud metadata ${shown}`);
  });

  it.each([
    ["http://127.0.0.1:4001/", "127.0.0.1"],
    ["http://0x7f.1:4001/", "127.0.0.1"],
    ["http://2130706433:4001/", "127.0.0.1"],
    ["http://0177.0.0.1:4001/", "127.0.0.1"],
    ["http://127.1:4001/", "127.0.0.1"],
    ["http://[::1]:4001/", "::1"],
    ["http://[0:0:0:0:0:ffff:7f00:1]:4001/", "127.0.0.1 (written ::ffff:7f00:1)"],
    ["http://localhost:4001/", "localhost"],
    ["http://LocalHost.:4001/", "localhost."],
    ["http://api.localhost:4001/", "api.localhost"],
  ])("%s is loopback: refused for JWKS and webhooks, allowed for targets", (url, shown) => {
    expect(refusal("jwks", url)).toBe(`points at a loopback address ${shown}; JWKS URLs may reach it only when BULWARK_OUTBOUND_ALLOW lists it`);
    expect(refusal("webhook", url)).toBe(`points at a loopback address ${shown}; webhooks may reach it only when BULWARK_OUTBOUND_ALLOW lists it`);
    expect(refusal("target", url)).toBeNull();
  });

  it.each(["http://10.0.0.7/", "http://192.168.1.10:8443/", "http://[fd12::5]/", "http://0xc0.0xa8.1.1/"])("%s is private: refused for JWKS and webhooks, allowed for targets", (url) => {
    expect(refusal("webhook", url)).toMatch(/^points at a private address .*; webhooks may reach it only when BULWARK_OUTBOUND_ALLOW lists it$/);
    expect(refusal("jwks", url)).toMatch(/^points at a private address/);
    expect(refusal("target", url)).toBeNull();
  });

  it.each(["http://169.254.10.1/", "http://[fe80::1]/", "http://[::ffff:169.254.10.1]/"])("%s is link-local: refused for every use", (url) => {
    for (const use of ["target", "jwks", "webhook"] as const) expect(refusal(use, url)).toMatch(/^points at a link-local address/);
  });

  it.each(["http://0.0.0.0:4001/", "http://0:4001/", "http://0x0:4001/", "http://[::]:4001/", "http://[::ffff:0.0.0.0]:4001/"])("%s is the unspecified address: refused for every use", (url) => {
    for (const use of ["target", "jwks", "webhook"] as const) expect(refusal(use, url)).toMatch(/^points at the unspecified address .*, which reaches this host$/);
  });

  it.each(["http://224.0.0.1/", "http://255.255.255.255/", "http://[ff02::1]/"])("%s is multicast or reserved: refused for every use", (url) => {
    expect(refusal("target", url)).toMatch(/a multicast or reserved address$/);
  });

  it.each(["https://auth.example.edu/jwks.json", "https://93.184.216.34/", "https://[2606:4700::1111]/", "http://172.32.0.1/", "https://localhost.example.com/"])(
    "%s is public: allowed for every use",
    (url) => {
      for (const use of ["target", "jwks", "webhook"] as const) expect(refusal(use, url)).toBeNull();
    },
  );

  it("uses the scheme's default port", () => {
    expect(urlTarget("https://a.example/")).toEqual({ host: "a.example", port: 443 });
    expect(urlTarget("http://a.example/")).toEqual({ host: "a.example", port: 80 });
    expect(urlTarget("ftp://a.example/")).toBeNull();
    expect(urlTarget("not a url")).toBeNull();
  });
});

describe("the gateway's and the console's own listeners", () => {
  it.each([
    ["127.0.0.1", 8080, "is the gateway's own proxy port (GATEWAY_PORT=8080) on this host"],
    ["127.0.0.1", 9091, "is the gateway's admin port (GATEWAY_ADMIN_PORT=9091) on this host"],
    ["127.0.0.1", 3000, "is the console's port (CONSOLE_PORT=3000) on this host"],
    ["localhost", 9091, "is the gateway's admin port (GATEWAY_ADMIN_PORT=9091) on this host"],
    ["127.9.9.9", 3000, "is the console's port (CONSOLE_PORT=3000) on this host"],
    ["0x7f.1", 9091, "is the gateway's admin port (GATEWAY_ADMIN_PORT=9091) on this host"],
    ["::1", 3000, "is the console's port (CONSOLE_PORT=3000) on this host"],
    ["::ffff:127.0.0.1", 9091, "is the gateway's admin port (GATEWAY_ADMIN_PORT=9091) on this host"],
  ])("refuses a target at %s:%d with the defaults", (host, port, message) => {
    expect(targetRefusal(host, port)).toBe(message);
  });

  it("refuses the unspecified address on any port", () => {
    expect(targetRefusal("0.0.0.0", 9091)).toBe("points at the unspecified address 0.0.0.0, which reaches this host");
  });

  it("reads the ports and bound addresses from the environment, so a moved port is still refused and the old one freed", () => {
    const policy = readOutboundPolicy({ GATEWAY_PORT: "8000", GATEWAY_ADMIN_PORT: "9100", CONSOLE_PORT: "3100", CONSOLE_HOST: "10.0.0.5" });
    expect(targetRefusal("127.0.0.1", 8000, policy)).toBe("is the gateway's own proxy port (GATEWAY_PORT=8000) on this host");
    expect(targetRefusal("127.0.0.1", 9100, policy)).toBe("is the gateway's admin port (GATEWAY_ADMIN_PORT=9100) on this host");
    expect(targetRefusal("10.0.0.5", 3100, policy)).toBe("is the console's port (CONSOLE_PORT=3100) on this host");
    expect(targetRefusal("10.0.0.6", 3100, policy)).toBeNull();
    expect(targetRefusal("127.0.0.1", 8080, policy)).toBeNull();
    expect(targetRefusal("127.0.0.1", 9091, policy)).toBeNull();
  });

  it("allows the same ports on other hosts, and other ports on loopback", () => {
    expect(targetRefusal("10.0.0.9", 8080)).toBeNull();
    expect(targetRefusal("api.internal", 9091)).toBeNull();
    expect(targetRefusal("127.0.0.1", 4001)).toBeNull();
  });

  it("refuses them for JWKS and webhooks even when the allow-list lists loopback", () => {
    const policy = readOutboundPolicy({ BULWARK_OUTBOUND_ALLOW: "127.0.0.0/8,localhost" });
    expect(refusal("webhook", "http://127.0.0.1:3000/api/v1/services", policy)).toBe("is the console's port (CONSOLE_PORT=3000) on this host");
    expect(refusal("jwks", "http://localhost:9091/status", policy)).toBe("is the gateway's admin port (GATEWAY_ADMIN_PORT=9091) on this host");
  });
});

describe("BULWARK_OUTBOUND_ALLOW", () => {
  const policy = readOutboundPolicy({ BULWARK_OUTBOUND_ALLOW: " 127.0.0.1/32, 10.0.0.0/8 ,fd00::/8, jwks.corp.test., *.hooks.corp.test, 169.254.0.0/16" });

  it("opens loopback, private and link-local ranges it lists, to JWKS URLs and webhooks", () => {
    expect(refusal("jwks", "http://127.0.0.1:4444/jwks", policy)).toBeNull();
    expect(refusal("jwks", "http://0x7f.1:4444/jwks", policy)).toBeNull();
    expect(refusal("webhook", "http://[::ffff:127.0.0.1]:4444/", policy)).toBeNull();
    expect(refusal("webhook", "http://10.20.30.40/", policy)).toBeNull();
    expect(refusal("webhook", "http://[fd12::1]/", policy)).toBeNull();
    expect(refusal("target", "http://169.254.10.1/", policy)).toBeNull();
    expect(refusal("jwks", "http://127.0.0.2:4444/jwks", policy)).toMatch(/^points at a loopback address 127.0.0.2/);
    expect(refusal("jwks", "http://192.168.1.1/", policy)).toMatch(/^points at a private address 192.168.1.1/);
  });

  it("opens names it lists, exactly or below a *. entry, trailing dots and case aside", () => {
    expect(refusal("jwks", "http://JWKS.corp.test./", policy)).toBeNull();
    expect(refusal("webhook", "http://a.b.hooks.corp.test/", policy)).toBeNull();
    expect(refusal("webhook", "http://localhost:4444/", policy)).toMatch(/^points at a loopback address localhost/);
  });

  it("never opens cloud metadata, the unspecified address or multicast", () => {
    const all = readOutboundPolicy({ BULWARK_OUTBOUND_ALLOW: "0.0.0.0/0,::/0,metadata.google.internal" });
    expect(refusal("webhook", "http://169.254.169.254/", all)).toBe("points at cloud metadata 169.254.169.254");
    expect(refusal("jwks", "http://[fd00:ec2::254]/", all)).toBe("points at cloud metadata fd00:ec2::254");
    expect(refusal("jwks", "http://metadata.google.internal/", all)).toBe("points at cloud metadata metadata.google.internal");
    expect(refusal("target", "http://0.0.0.0:4001/", all)).toMatch(/unspecified/);
    expect(refusal("target", "http://224.0.0.1/", all)).toMatch(/multicast/);
  });

  it("judges a resolved address by the name it came from, or by its own range", () => {
    expect(outboundRefusal("webhook", { host: "10.1.1.1", port: 443, resolvedFrom: "x.hooks.corp.test" }, policy)).toBeNull();
    expect(outboundRefusal("webhook", { host: "192.168.1.1", port: 443, resolvedFrom: "evil.example" }, policy)).toMatch(/^points at a private address 192.168.1.1/);
    expect(outboundRefusal("webhook", { host: "169.254.169.254", port: 80, resolvedFrom: "jwks.corp.test" }, policy)).toBe("points at cloud metadata 169.254.169.254");
  });

  it.each(["10.0.0.0/33", "not a host!", "http://x", "1.2.3.4:80", "10.0.0", "*.", "a..b"])("refuses the entry %s at start, naming the variable", (entry) => {
    expect(() => readOutboundPolicy({ BULWARK_OUTBOUND_ALLOW: entry })).toThrow(/^BULWARK_OUTBOUND_ALLOW: /);
  });

  it("refuses a listener port that is not a port, naming the variable", () => {
    expect(() => readOutboundPolicy({ CONSOLE_PORT: "http" })).toThrow("CONSOLE_PORT must be a whole number from 1 to 65535");
  });
});
