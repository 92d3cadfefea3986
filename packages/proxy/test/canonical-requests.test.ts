import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PATH_SPELLINGS } from "@bulwark/config/canonical-spellings";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

// One spelling, one decision, through real sockets: every spelling of a protected path or host meets the
// protecting route's rule (ipDeny refuses the test's loopback address), never the catch-all behind it; what the
// upstream is told is the canonical form and the gateway's own word about the client.

let database: TestDatabase;
let db: Db;
let gateway: Gateway;
let trusting: Gateway;
let open: Upstream;
let cafe: Upstream;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  open = await startUpstream("open");
  cafe = await startUpstream("cafe");
  await replaceDraft(db, {
    services: [
      { name: "open", targets: [{ address: open.address }] },
      { name: "cafe", targets: [{ address: cafe.address }] },
    ],
    routes: [
      { name: "everything", path: "/", service: "open" },
      { name: "admin", path: "/admin", service: "open", ipDeny: ["127.0.0.0/8", "::1"] },
      { name: "exam-health", path: "/exams/health", pathType: "exact", service: "open", ipDeny: ["127.0.0.0/8", "::1"] },
      { name: "grades", path: "/grades/:student/final", pathType: "template", service: "open", ipDeny: ["127.0.0.0/8", "::1"] },
      { name: "staff", path: "/", hosts: ["staff.example.edu"], service: "open", ipDeny: ["127.0.0.0/8", "::1"] },
      { name: "cafe", path: "/caf%c3%a9", service: "cafe", stripPrefix: true },
      { name: "documented", path: "/exams", service: "open", ipDeny: ["203.0.113.0/24"] },
    ],
  });
  const { version } = await publishDraft(db, { author: "test" });
  [gateway, trusting] = await Promise.all([
    startGateway({ databaseUrl: database.url, workers: 1, env: { REDIS_URL: "" } }),
    startGateway({ databaseUrl: database.url, workers: 1, env: { REDIS_URL: "", GATEWAY_TRUSTED_PROXIES: "127.0.0.1" } }),
  ]);
  await Promise.all([gateway.waitForVersion(version, 1), trusting.waitForVersion(version, 1)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([gateway?.stop(), trusting?.stop()]);
  await Promise.all([open?.close(), cafe?.close()]);
  await db?.$disconnect();
  await database?.close();
});

interface RawAnswer {
  status: number;
  body: string;
}

/** Sends the request line and headers exactly as written (fetch would normalise them) and reads the answer. */
function raw(g: Gateway, target: string, headers: Record<string, string> = { host: "gw.example.edu" }): Promise<RawAnswer> {
  const { hostname, port } = new URL(g.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (data += chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf("\r\n\r\n") + 4) });
    });
    const lines = [`GET ${target} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), "connection: close", "", ""];
    socket.write(lines.join("\r\n"), "latin1");
  });
}

/** The upstream's echo of what it was sent. */
function echoed(answer: RawAnswer): { upstream: string; url: string; headers: Record<string, string> } {
  expect(answer.status, answer.body).toBe(200);
  const chunked = answer.body.includes("\r\n") && /^[0-9a-f]+\r\n/.test(answer.body);
  return JSON.parse(chunked ? answer.body.replace(/^[0-9a-f]+\r\n/, "").replace(/\r\n0\r\n\r\n$/, "") : answer.body);
}

describe("one spelling, one decision", () => {
  it.each([
    "/admin/secret",
    "/admin;jsessionid=1/secret",
    "/admin/secret;x=y",
    "//admin//secret",
    "/admin/./secret",
    "/catalog/../admin/secret",
    "/catalog/%2e%2e/admin/secret",
    "/catalog/..;/admin/secret",
    "/%61dmin/secret",
    "/adm%69n",
    "/admin/",
    "/admin/.",
    "/admin;x",
  ])("the prefix route's rule applies to %s", async (spelling) => {
    const answer = await raw(gateway, spelling);
    expect(answer.status, answer.body).toBe(403);
    expect(answer.body).toContain("IP_FORBIDDEN");
  });

  it.each(["/exams/health", "/exams/health/", "/exams/health/.", "/exams/health;v=1", "/exams/%68ealth", "/exams//health"])("the exact route's rule applies to %s", async (spelling) => {
    expect((await raw(gateway, spelling)).status).toBe(403);
  });

  it.each(["/grades/ada/final", "/grades/ada/final/", "/grades/ada;x/final", "/grades/%61da/final", "/grades/ada/./final"])("the template route's rule applies to %s", async (spelling) => {
    expect((await raw(gateway, spelling)).status).toBe(403);
  });

  it.each(["staff.example.edu", "STAFF.Example.EDU", "staff.example.edu.", "staff.example.edu:80", "Staff.Example.Edu.:80", "staff.example.edu:8080"])(
    "the host route's rule applies to Host %s",
    async (host) => {
      expect((await raw(gateway, "/anything", { host })).status).toBe(403);
    },
  );

  it.each(["/admin%2fsecret", "/a%5cb", "/a\\b", "/a%00b", "/a%zz", "/..", "/catalog/../../admin", "/a#b"])("refuses %s with 400 and lives on", async (spelling) => {
    const answer = await raw(gateway, spelling);
    expect(answer.status, answer.body).toBe(400);
    expect(answer.body).toContain("BAD_REQUEST");
  });

  it("refuses raw bytes outside ASCII in the request line (node's parser does), and lives on", async () => {
    expect((await raw(gateway, "/caf\u00c3\u00a9")).status).toBe(400);
    expect((await raw(gateway, "/x")).status).toBe(200);
  });

  it.each(["staff.example.edu:", "staff.example.edu:0", "staff%2eexample.edu", "staff..example.edu", "staff.example.edu, evil.example"])("refuses Host %s with 400", async (host) => {
    expect((await raw(gateway, "/x", { host })).status).toBe(400);
  });

  it("forwards every spelling of the documented table as its canonical form", async () => {
    for (const s of PATH_SPELLINGS) {
      if (s.canonical === null || s.raw.startsWith("/caf")) continue; // /caf... is the stripping route's
      const answer = await raw(gateway, `${s.raw}?q=%2F1`);
      if (s.canonical.startsWith("/admin")) {
        expect(answer.status, s.raw).toBe(403); // the admin route's, as its canonical form says
        continue;
      }
      const seen = echoed(answer);
      expect(seen.url, s.raw).toBe(`${s.canonical}?q=%2F1`); // the query string is the upstream's to read, as it came
    }
  });

  it("forwards the canonical Host", async () => {
    expect(echoed(await raw(gateway, "/x", { host: "Gw.Example.EDU.:80" })).headers.host).toBe("gw.example.edu");
    expect(echoed(await raw(gateway, "/x", { host: "gw.example.edu:8080" })).headers.host).toBe("gw.example.edu:8080");
  });

  it("matches a route whose path holds percent-encoded UTF-8 by every spelling of it, and strips it", async () => {
    for (const spelling of ["/caf%C3%A9/menu", "/caf%c3%a9/menu", "/caf%C3%A9;x/menu", "/ca%66%c3%a9/menu"]) {
      const seen = echoed(await raw(gateway, spelling));
      expect([seen.upstream, seen.url], spelling).toEqual(["cafe", "/menu"]);
    }
  });
});

const FORGED = {
  host: "gw.example.edu",
  forwarded: "for=10.9.9.9;host=evil.example;proto=https",
  "x-real-ip": "10.9.9.9",
  "x-forwarded-for": "10.9.9.9",
  "x-forwarded-host": "evil.example",
  "x-forwarded-proto": "https",
  "x-forwarded-port": "443",
  "x-forwarded-prefix": "/internal",
  "x-original-url": "/admin/secret",
  "x-rewrite-url": "/admin/secret",
  "true-client-ip": "10.9.9.9",
  "x-client-ip": "10.9.9.9",
  "x-http-method-override": "DELETE",
  x_forwarded_for: "10.9.9.9",
  x_real_ip: "10.9.9.9",
  "x-course": "kept",
};

describe("what the upstream is told about the client is the gateway's word", () => {
  it("sets or strips every forwarding header a client forges", async () => {
    const h = echoed(await raw(gateway, "/x", FORGED)).headers;
    expect(h["x-forwarded-for"]).toBe("127.0.0.1");
    expect(h["x-real-ip"]).toBe("127.0.0.1");
    expect(h["x-forwarded-host"]).toBe("gw.example.edu");
    expect(h["x-forwarded-proto"]).toBe("http");
    expect(h.forwarded).toBe("for=127.0.0.1;host=gw.example.edu;proto=http");
    for (const name of ["x-forwarded-port", "x-forwarded-prefix", "x-original-url", "x-rewrite-url", "true-client-ip", "x-client-ip", "x-http-method-override", "x_forwarded_for", "x_real_ip"]) {
      expect(h[name], name).toBeUndefined();
    }
    expect(h["x-course"]).toBe("kept");
  });

  it("believes a trusted proxy's forwarding headers, but never the path overrides or underscored names", async () => {
    const h = echoed(await raw(trusting, "/x", { ...FORGED, "x-forwarded-for": "198.51.100.7, 10.9.9.9" })).headers;
    expect(h["x-forwarded-for"]).toBe("198.51.100.7, 10.9.9.9, 127.0.0.1");
    expect(h["x-real-ip"]).toBe("10.9.9.9");
    expect(h["x-forwarded-host"]).toBe("evil.example");
    expect(h["x-forwarded-proto"]).toBe("https");
    expect(h.forwarded).toBe("for=10.9.9.9;host=evil.example;proto=https");
    expect(h["true-client-ip"]).toBe("10.9.9.9");
    for (const name of ["x-original-url", "x-rewrite-url", "x_forwarded_for", "x_real_ip"]) expect(h[name], name).toBeUndefined();
  });

  it("checks IP rules against the client a trusted proxy names, and never against a word that is not an address", async () => {
    expect((await raw(trusting, "/exams/1", { host: "gw", "x-forwarded-for": "203.0.113.5" })).status).toBe(403);
    expect((await raw(gateway, "/exams/1", { host: "gw", "x-forwarded-for": "203.0.113.5" })).status).toBe(200); // not trusted: the peer counts
    const h = echoed(await raw(trusting, "/x", { host: "gw", "x-forwarded-for": "203.0.113.5, not-an-ip" })).headers;
    expect(h["x-real-ip"]).toBe("127.0.0.1");
    expect(echoed(await raw(trusting, "/x", { host: "gw", "x-forwarded-proto": "gopher" })).headers["x-forwarded-proto"]).toBe("http");
  });
});
