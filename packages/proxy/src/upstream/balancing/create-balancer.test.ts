import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { createBalancer } from "./create-balancer";

const targets = [
  { address: "10.0.0.1:80", weight: 100 },
  { address: "10.0.0.2:80", weight: 100 },
  { address: "10.0.0.3:80", weight: 100 },
];
const req = (headers: Record<string, string> = {}, ip = "192.0.2.1") => ({ headers, socket: { remoteAddress: ip } }) as unknown as IncomingMessage;

describe("createBalancer", () => {
  it("avoids a retry's previous target while another can take the request, whatever the algorithm", () => {
    for (const algorithm of ["round-robin", "least-requests", "latency-aware"] as const) {
      const b = createBalancer(targets, { algorithm, hashOn: null });
      for (let i = 0; i < 20; i++) expect(b.pick(req(), 1)).not.toBe(1);
    }
    const hashed = createBalancer(targets, { algorithm: "consistent-hash", hashOn: { source: "header", name: "x-k" } });
    const home = hashed.pick(req({ "x-k": "s1" }));
    expect(hashed.pick(req({ "x-k": "s1" }), home)).not.toBe(home);
    const single = createBalancer([targets[0]], { algorithm: "round-robin", hashOn: null });
    expect(single.pick(req(), 0)).toBe(0); // nowhere else to go
  });

  it("round-robin spreads evenly", () => {
    const b = createBalancer(targets, { algorithm: "round-robin", hashOn: null });
    expect(Array.from({ length: 6 }, () => b.pick(req()))).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it("least-requests sends to the target with the fewest requests in flight", () => {
    const b = createBalancer(targets, { algorithm: "least-requests", hashOn: null });
    const first = [b.pick(req()), b.pick(req()), b.pick(req())].sort();
    expect(first).toEqual([0, 1, 2]);
    b.release(1, 5);
    expect(b.pick(req())).toBe(1);
    expect(b.pick(req())).not.toBe(1);
  });

  it("consistent-hash keeps a student on one target, by header, cookie or address", () => {
    const byHeader = createBalancer(targets, { algorithm: "consistent-hash", hashOn: { source: "header", name: "X-Student-Id" } });
    const seen = new Set(Array.from({ length: 20 }, () => byHeader.pick(req({ "x-student-id": "s-1042" }))));
    expect(seen.size).toBe(1);
    const spread = new Set(Array.from({ length: 200 }, (_, i) => byHeader.pick(req({ "x-student-id": `s-${i}` }))));
    expect(spread.size).toBe(3);
    const byCookie = createBalancer(targets, { algorithm: "consistent-hash", hashOn: { source: "cookie", name: "session" } });
    const a = byCookie.pick(req({ cookie: "theme=dark; session=abc" }));
    expect(byCookie.pick(req({ cookie: "session=abc" }))).toBe(a);
    const byIp = createBalancer(targets, { algorithm: "consistent-hash", hashOn: { source: "ip", name: "" } });
    expect(byIp.pick(req({}, "203.0.113.9"))).toBe(byIp.pick(req({}, "203.0.113.9")));
    // Without a key it falls back to round-robin rather than failing.
    expect(byHeader.pick(req())).toBeGreaterThanOrEqual(0);
  });

  it("latency-aware moves traffic away from a slow target", () => {
    let r = 0;
    const b = createBalancer(
      targets,
      { algorithm: "latency-aware", hashOn: null },
      () => true,
      () => (r = (r * 7 + 3) % 10) / 10,
    );
    for (let i = 0; i < 30; i++) {
      const t = b.pick(req());
      b.release(t, t === 2 ? 800 : 5);
    }
    const picks = Array.from({ length: 60 }, () => {
      const t = b.pick(req());
      b.release(t, t === 2 ? 800 : 5);
      return t;
    });
    expect(picks.filter((t) => t === 2).length).toBeLessThan(5);
  });

  it("never picks a target with weight 0", () => {
    const b = createBalancer(
      [
        { address: "a:1", weight: 0 },
        { address: "b:1", weight: 10 },
      ],
      { algorithm: "least-requests", hashOn: null },
    );
    expect([b.pick(req()), b.pick(req()), b.pick(req())]).toEqual([1, 1, 1]);
  });
});
