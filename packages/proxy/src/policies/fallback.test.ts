import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { upstreamError } from "../errors";
import type { RequestState } from "../pipeline/compiled-route";
import { LastGoodCache } from "./last-good-cache";
import { lastGoodStep } from "./fallback";

type Headers = Record<string, string | string[]>;

/** A client request as node parses it: raw header list (duplicates kept) and the joined object. */
function req(url: string, raw: [string, string][] = [], method = "GET"): IncomingMessage {
  const rawHeaders = [["host", "gw.test"] as [string, string], ...raw].flat();
  const headers: Record<string, string> = {};
  for (const [k, v] of [["host", "gw.test"], ...raw]) {
    const name = k.toLowerCase();
    // node drops repeated Host and Authorization fields from req.headers (the raw list keeps them), joins the rest.
    if (headers[name] === undefined) headers[name] = v;
    else if (name !== "host" && name !== "authorization") headers[name] += name === "cookie" ? `; ${v}` : `, ${v}`;
  }
  return { method, url, rawHeaders, headers } as unknown as IncomingMessage;
}

function state(r: IncomingMessage, consumer: string | null = null): RequestState {
  const s = { req: r, consumer, captured: null, capturedBytes: 0, capturedHeaders: null, capturing: false, decide() {} };
  return s as unknown as RequestState;
}

const refused = upstreamError(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));

function setup() {
  const cache = new LastGoodCache();
  const step = lastGoodStep(cache);
  /** The upstream answers 200 with `body`, relayed whole. */
  const relay = (r: IncomingMessage, body: string, headers: Headers = {}, consumer: string | null = null) => {
    const s = state(r, consumer);
    const answer = { statusCode: 200, headers: { "content-type": "application/json", "content-length": String(body.length), ...headers } } as unknown as IncomingMessage;
    step.onHead!(s, answer);
    if (s.capturing && s.captured !== null) {
      s.captured.push(Buffer.from(body));
      s.capturedBytes += body.length;
    }
    step.onComplete!(s, 200);
  };
  /** The service cannot answer: what the client gets from the last-good step, or null (the static fallback's turn). */
  const outage = (r: IncomingMessage, consumer: string | null = null) => {
    const out = { status: 0, headers: {} as Headers, body: "" };
    const res = {
      writeHead(status: number, headers: Headers) {
        out.status = status;
        out.headers = headers;
      },
      end(b?: Buffer) {
        out.body = b?.toString() ?? "";
      },
    } as unknown as ServerResponse;
    return step.onError!(state(r, consumer), refused, res) === null ? null : out;
  };
  return { cache, relay, outage };
}

describe("last-good answers are served back only to the caller they were kept for", () => {
  it("serves an anonymous GET's answer to the next anonymous GET of the URL", () => {
    const { relay, outage } = setup();
    relay(req("/courses"), "catalogue");
    expect(outage(req("/courses"))).toMatchObject({ status: 200, body: "catalogue", headers: { "x-bulwark-fallback": "last-good" } });
    expect(outage(req("/courses", [], "HEAD"))).toMatchObject({ status: 200, body: "" });
  });

  it("does not serve one consumer's kept answer to another consumer or to an anonymous caller", () => {
    const { relay, outage } = setup();
    relay(req("/me/grades"), "alice's grades", {}, "alice");
    expect(outage(req("/me/grades"), "alice")).toMatchObject({ body: "alice's grades" });
    expect(outage(req("/me/grades"), "bob")).toBeNull();
    expect(outage(req("/me/grades"))).toBeNull();
  });

  it("tells callers apart by Authorization and by Cookie, also behind one consumer, and counts repeated headers", () => {
    const { relay, outage } = setup();
    relay(req("/me", [["Authorization", "Bearer alice"]]), "alice");
    relay(req("/me", [["cookie", "session=bob"]]), "bob");
    relay(req("/me", [["authorization", "Bearer carol"]]), "carol via app", {}, "mobile-app");
    expect(outage(req("/me", [["authorization", "Bearer alice"]]))).toMatchObject({ body: "alice" });
    expect(outage(req("/me", [["Cookie", "session=bob"]]))).toMatchObject({ body: "bob" });
    expect(outage(req("/me", [["authorization", "Bearer carol"]]), "mobile-app")).toMatchObject({ body: "carol via app" });
    expect(outage(req("/me", [["authorization", "Bearer mallory"]]))).toBeNull();
    expect(outage(req("/me", [["authorization", "Bearer dave"]]), "mobile-app")).toBeNull();
    expect(outage(req("/me", [["cookie", "session=mallory"]]))).toBeNull();
    expect(outage(req("/me"))).toBeNull();
    // node keeps only the first Authorization in req.headers; the upstream saw both, so both identify the caller.
    expect(
      outage(
        req("/me", [
          ["authorization", "Bearer alice"],
          ["authorization", "Bearer x"],
        ]),
      ),
    ).toBeNull();
  });

  it("keeps each host's answer apart", () => {
    const { relay, outage } = setup();
    relay(req("/me"), "tenant a");
    const other = req("/me");
    (other.headers as Record<string, string>).host = "b.example";
    expect(outage(other)).toBeNull();
  });

  it.each([
    ["Set-Cookie", { "set-cookie": ["session=abc"] }],
    ["Cache-Control: private", { "cache-control": "max-age=60, private" }],
    ["Cache-Control: PRIVATE with field names", { "cache-control": 'Private="x-user"' }],
    ["Cache-Control: no-store", { "cache-control": ["public", "no-store"] }],
    ["Cache-Control: no-cache", { "cache-control": "no-cache" }],
    ["Vary: *", { vary: "Accept, *" }],
    ["a Vary naming more headers than it keys on", { vary: Array.from({ length: 17 }, (_, i) => `x-h${i}`).join(", ") }],
  ] as [string, Headers][])("never keeps an answer with %s", (_, headers) => {
    const { relay, outage, cache } = setup();
    relay(req("/me/profile"), "profile", headers);
    expect(cache.size).toBe(0);
    expect(outage(req("/me/profile"))).toBeNull();
  });

  it("forgets the answer kept for a caller when a later one for the URL must not be kept", () => {
    const { relay, outage } = setup();
    relay(req("/me/profile"), "old profile");
    relay(req("/me/profile"), "new profile", { "cache-control": "no-store" });
    expect(outage(req("/me/profile"))).toBeNull();
  });

  it("keeps nothing when the request says no-store", () => {
    const { relay, outage } = setup();
    relay(req("/me/profile", [["cache-control", "no-store"]]), "profile");
    expect(outage(req("/me/profile"))).toBeNull();
  });

  it("serves a kept answer only to a request that matches it on the headers its Vary names", () => {
    const { relay, outage } = setup();
    relay(
      req("/courses", [
        ["accept-encoding", "gzip"],
        ["X-Tenant", "north"],
      ]),
      "gzipped north",
      { vary: "Accept-Encoding, x-tenant", "content-encoding": "gzip" },
    );
    expect(
      outage(
        req("/courses", [
          ["Accept-Encoding", "gzip"],
          ["x-tenant", "north"],
        ]),
      ),
    ).toMatchObject({ body: "gzipped north" });
    expect(
      outage(
        req("/courses", [
          ["accept-encoding", "gzip"],
          ["x-tenant", "south"],
        ]),
      ),
    ).toBeNull();
    expect(outage(req("/courses", [["x-tenant", "north"]]))).toBeNull();
  });

  it("stays within its bound however many callers there are", () => {
    const { relay, cache } = setup();
    for (let i = 0; i < 2_000; i++) relay(req("/me", [["authorization", `Bearer user-${i}`]]), `user ${i}`);
    expect(cache.size).toBe(500);
  });
});
