import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

/**
 * Malformed and smuggling-shaped requests, sent as raw bytes in one write. Each must get a 4xx or a closed
 * socket (never a 2xx, never silence), reach no upstream (neither the outer request nor a smuggled inner one),
 * and kill no worker.
 */

let database: TestDatabase;
let db: Db;
let gateway: Gateway;
let echo: Upstream;
/** A host that only an absolute-form or CONNECT target names: nothing may ever reach it. */
let decoy: Upstream;
let decoyConnections = 0;
/** Every request line the echo upstream saw, recorded as its headers arrive (not only when its body ends). */
const arrivals: string[] = [];
let pidsBefore: number[] = [];

interface Target {
  /** Gateway path of the outer request, e.g. /echo/smuggle-07. */
  outer: string;
  /** Gateway path of a request hidden inside the outer one, e.g. /echo/smuggled-07. */
  inner: string;
  /** host:port of the decoy upstream. */
  decoy: string;
}
interface Entry {
  name: string;
  bytes(t: Target): string;
  /** When the gateway answers at all, what its status line must match (otherwise any 4xx). */
  answer?: RegExp;
}

const CRLF = "\r\n";
const inner = (t: Target) => `GET ${t.inner} HTTP/1.1\r\nHost: a\r\n\r\n`;
/** A chunked body that ends at once and is followed by a smuggled request. */
const endThenSmuggle = (t: Target) => `0\r\n\r\n${inner(t)}`;
/** A chunked body whose one chunk carries a smuggled request. */
const chunkOfSmuggle = (t: Target) => `${inner(t).length.toString(16)}\r\n${inner(t)}\r\n0\r\n\r\n`;
const post = (t: Target, headers: string[], body: string, version = "1.1") => `POST ${t.outer} HTTP/${version}\r\nHost: a\r\n${headers.map((h) => h + CRLF).join("")}\r\n${body}`;
const get = (t: Target, headers: string[] = []) => `GET ${t.outer} HTTP/1.1\r\nHost: a\r\n${headers.map((h) => h + CRLF).join("")}\r\n`;
const path = (p: string) => `GET ${p} HTTP/1.1\r\nHost: a\r\n\r\n`;

const CORPUS: Entry[] = [
  // Content-Length and Transfer-Encoding disagreeing about where the body ends.
  {
    name: "CL.TE: Content-Length covering a smuggled request, and Transfer-Encoding: chunked",
    bytes: (t) => post(t, [`Content-Length: ${endThenSmuggle(t).length}`, "Transfer-Encoding: chunked"], endThenSmuggle(t)),
  },
  { name: "TE.CL: Transfer-Encoding: chunked, then a short Content-Length", bytes: (t) => post(t, ["Transfer-Encoding: chunked", "Content-Length: 4"], chunkOfSmuggle(t)) },
  {
    name: "HTTP/1.0 request with both Transfer-Encoding and Content-Length",
    bytes: (t) => post(t, [`Content-Length: ${endThenSmuggle(t).length}`, "Transfer-Encoding: chunked"], endThenSmuggle(t), "1.0"),
  },
  { name: "two different Content-Length headers", bytes: (t) => post(t, ["Content-Length: 0", `Content-Length: ${inner(t).length}`], inner(t)) },
  { name: "two identical Content-Length headers", bytes: (t) => post(t, [`Content-Length: ${inner(t).length}`, `Content-Length: ${inner(t).length}`], inner(t)) },
  { name: "Content-Length as a comma list", bytes: (t) => post(t, [`Content-Length: ${inner(t).length}, ${inner(t).length}`], inner(t)) },
  { name: "Content-Length with a plus sign", bytes: (t) => post(t, [`Content-Length: +${inner(t).length}`], inner(t)) },
  { name: "negative Content-Length", bytes: (t) => post(t, ["Content-Length: -1"], inner(t)) },
  { name: "Content-Length with a space inside the number", bytes: (t) => post(t, ["Content-Length: 0 5"], inner(t)) },
  { name: "Content-Length in hex", bytes: (t) => post(t, [`Content-Length: 0x${inner(t).length.toString(16)}`], inner(t)) },
  { name: "Content-Length beyond 64 bits", bytes: (t) => post(t, ["Content-Length: 99999999999999999999999"], inner(t)) },
  { name: "empty Content-Length", bytes: (t) => post(t, ["Content-Length: "], inner(t)) },

  // Transfer-Encoding spelled so that one parser sees chunked and another does not.
  { name: "Transfer-Encoding: chunked, identity", bytes: (t) => post(t, ["Transfer-Encoding: chunked, identity"], chunkOfSmuggle(t)) },
  { name: "Transfer-Encoding: chunked, chunked", bytes: (t) => post(t, ["Transfer-Encoding: chunked, chunked"], chunkOfSmuggle(t)) },
  { name: "Transfer-Encoding: xchunked", bytes: (t) => post(t, ["Transfer-Encoding: xchunked"], chunkOfSmuggle(t)) },
  { name: "Transfer-Encoding: identity (obsolete coding)", bytes: (t) => post(t, ["Transfer-Encoding: identity"], inner(t)) },
  { name: "Transfer-Encoding: chunked followed by a tab", bytes: (t) => post(t, ["Transfer-Encoding: chunked\t"], chunkOfSmuggle(t)) },
  { name: "Transfer-Encoding with a leading space next to a Content-Length", bytes: (t) => post(t, [`Content-Length: ${endThenSmuggle(t).length}`, "Transfer-Encoding:  chunked"], endThenSmuggle(t)) },
  { name: "Transfer-Encoding with a vertical tab before chunked", bytes: (t) => post(t, ["Transfer-Encoding:\u000bchunked"], chunkOfSmuggle(t)) },
  { name: "space between Transfer-Encoding and the colon", bytes: (t) => post(t, [`Content-Length: ${endThenSmuggle(t).length}`, "Transfer-Encoding : chunked"], endThenSmuggle(t)) },
  { name: "two Transfer-Encoding headers: chunked, then identity", bytes: (t) => post(t, ["Transfer-Encoding: chunked", "Transfer-Encoding: identity"], chunkOfSmuggle(t)) },
  {
    name: "Transfer-Encoding folded onto a continuation line (obs-fold, space)",
    bytes: (t) => post(t, [`Content-Length: ${endThenSmuggle(t).length}`, "Transfer-Encoding:", " chunked"], endThenSmuggle(t)),
  },
  {
    name: "Transfer-Encoding folded onto a continuation line (obs-fold, tab)",
    bytes: (t) => post(t, [`Content-Length: ${endThenSmuggle(t).length}`, "Transfer-Encoding: identity", "\tchunked"], endThenSmuggle(t)),
  },

  // Line folding and line endings.
  { name: "obs-fold in an ordinary header", bytes: (t) => get(t, ["X-Note: first", " second"]) },
  { name: "obs-fold continuing the Host header", bytes: (t) => get(t, [" b"]) },
  { name: "header line starting with whitespace right after the request line", bytes: (t) => `GET ${t.outer} HTTP/1.1\r\n Host: a\r\n\r\n` },
  { name: "bare LF line endings throughout", bytes: (t) => `GET ${t.outer} HTTP/1.1\nHost: a\n\n${inner(t).replaceAll(CRLF, "\n")}` },
  { name: "bare LF ending the header block", bytes: (t) => `GET ${t.outer} HTTP/1.1\r\nHost: a\r\n\n${inner(t)}` },
  { name: "bare LF ending one header line", bytes: (t) => `GET ${t.outer} HTTP/1.1\r\nHost: a\nTransfer-Encoding: chunked\r\n\r\n${chunkOfSmuggle(t)}` },
  { name: "bare CR line endings", bytes: (t) => `GET ${t.outer} HTTP/1.1\rHost: a\r\r${inner(t)}` },
  { name: "bare LF inside chunked framing", bytes: (t) => post(t, ["Transfer-Encoding: chunked"], chunkOfSmuggle(t).replaceAll(CRLF, "\n")) },

  // Chunked framing.
  { name: "chunk size that is not hex (zz)", bytes: (t) => post(t, ["Transfer-Encoding: chunked"], `zz\r\nhello\r\n${endThenSmuggle(t)}`) },
  { name: "chunk size beyond 64 bits (ffffffffffffffffff)", bytes: (t) => post(t, ["Transfer-Encoding: chunked"], `ffffffffffffffffff\r\nhello\r\n${endThenSmuggle(t)}`) },
  { name: "chunk size followed by a space", bytes: (t) => post(t, ["Transfer-Encoding: chunked"], `5 \r\nhello\r\n${endThenSmuggle(t)}`) },
  { name: "negative chunk size", bytes: (t) => post(t, ["Transfer-Encoding: chunked"], `-5\r\nhello\r\n${endThenSmuggle(t)}`) },
  { name: "chunk longer than its declared size, the excess being a request", bytes: (t) => post(t, ["Transfer-Encoding: chunked"], `1\r\nx${inner(t)}\r\n0\r\n\r\n`) },
  { name: "chunk extension broken by a bare LF", bytes: (t) => post(t, ["Transfer-Encoding: chunked"], `5;a\nhello\r\n${endThenSmuggle(t)}`) },
  { name: "chunk extension with an unterminated quoted value", bytes: (t) => post(t, ["Transfer-Encoding: chunked"], `5;a="b\r\nhello\r\n${endThenSmuggle(t)}`) },
  { name: "chunk extension larger than 16 KiB", bytes: (t) => post(t, ["Transfer-Encoding: chunked"], `5;a=${"x".repeat(20_000)}\r\nhello\r\n${endThenSmuggle(t)}`) },
  { name: "missing final chunk, then a second request", bytes: (t) => post(t, ["Transfer-Encoding: chunked"], `5\r\nhello\r\n${inner(t)}`) },

  // Host.
  { name: "two Host headers", bytes: (t) => get(t, ["Host: b"]), answer: /^HTTP\/1\.1 400 / },
  { name: "two Host headers, the first one empty", bytes: (t) => `GET ${t.outer} HTTP/1.1\r\nHost:\r\nHost: a\r\n\r\n`, answer: /^HTTP\/1\.1 400 / },
  { name: "Host with a space in it", bytes: (t) => `GET ${t.outer} HTTP/1.1\r\nHost: a b\r\n\r\n`, answer: /^HTTP\/1\.1 400 / },
  { name: "Host with a slash in it", bytes: (t) => `GET ${t.outer} HTTP/1.1\r\nHost: a/evil\r\n\r\n`, answer: /^HTTP\/1\.1 400 / },
  { name: "Host with userinfo in it", bytes: (t) => `GET ${t.outer} HTTP/1.1\r\nHost: a@evil\r\n\r\n`, answer: /^HTTP\/1\.1 400 / },
  { name: "no Host header on HTTP/1.1", bytes: (t) => `GET ${t.outer} HTTP/1.1\r\n\r\n`, answer: /^HTTP\/1\.1 400 / },

  // Request line.
  { name: "HTTP/1.2 in the request line", bytes: (t) => `GET ${t.outer} HTTP/1.2\r\nHost: a\r\n\r\n` },
  // A text request line claiming HTTP/2 is no HTTP/1.x message; 505 is the other fitting answer.
  { name: "HTTP/2.0 in an HTTP/1 request line", bytes: (t) => `GET ${t.outer} HTTP/2.0\r\nHost: a\r\n\r\n`, answer: /^HTTP\/1\.1 (4\d\d|505) / },
  { name: "request line without a version (HTTP/0.9), and so without Host", bytes: (t) => `GET ${t.outer}\r\n\r\n` },
  { name: "unknown method", bytes: (t) => `SMUGGLE ${t.outer} HTTP/1.1\r\nHost: a\r\n\r\n` },
  { name: "lowercase method", bytes: (t) => `get ${t.outer} HTTP/1.1\r\nHost: a\r\n\r\n` },
  { name: "tab instead of a space in the request line", bytes: (t) => `GET\t${t.outer} HTTP/1.1\r\nHost: a\r\n\r\n` },
  { name: "space inside the request target", bytes: (t) => `GET ${t.outer} ${t.inner} HTTP/1.1\r\nHost: a\r\n\r\n` },
  { name: "DEL byte in the request target", bytes: (t) => `GET ${t.outer}\u007f HTTP/1.1\r\nHost: a\r\n\r\n` },
  { name: "HTTP/2 connection preface on the HTTP/1 port", bytes: () => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" },

  // Bytes that have no place in a header.
  { name: "NUL byte in a header value", bytes: (t) => get(t, ["X-Note: a\u0000b"]) },
  { name: "NUL byte in a header name", bytes: (t) => get(t, ["X-No\u0000te: a"]) },
  { name: "control character in a header value", bytes: (t) => get(t, ["X-Note: a\u0001b"]) },
  { name: "header line without a colon", bytes: (t) => get(t, ["X-Note"]) },
  { name: "header with an empty name", bytes: (t) => get(t, [": a"]) },

  // Size.
  { name: "one header larger than 16 KiB", bytes: (t) => get(t, [`X-Big: ${"a".repeat(20_000)}`]), answer: /^HTTP\/1\.1 431 / },
  { name: "request target larger than 16 KiB", bytes: (t) => path(`${t.outer}?q=${"a".repeat(20_000)}`), answer: /^HTTP\/1\.1 431 / },
  {
    name: "101 header fields, above GATEWAY_MAX_HEADERS (100)",
    bytes: (t) =>
      get(
        t,
        Array.from({ length: 100 }, (_, i) => `X-H${i}: ${i}`),
      ),
    answer: /^HTTP\/1\.1 431 /,
  },

  // Targets that are not origin-form: the gateway is a reverse proxy, never a forward proxy, so it refuses them.
  { name: "absolute-form target naming another host", bytes: (t) => `GET http://${t.decoy}${t.outer} HTTP/1.1\r\nHost: a\r\n\r\n`, answer: /^HTTP\/1\.1 400 / },
  { name: "CONNECT to another host", bytes: (t) => `CONNECT ${t.decoy} HTTP/1.1\r\nHost: ${t.decoy}\r\n\r\n` },

  // Paths that would climb above the root or hide a separator from the router.
  { name: "path climbing above / with ..", bytes: (t) => path(`${t.outer}/../../../etc/passwd`), answer: /^HTTP\/1\.1 400 / },
  { name: "path starting with /../", bytes: (t) => path(`/..${t.outer}`), answer: /^HTTP\/1\.1 400 / },
  { name: "path climbing with encoded dots (%2e%2e)", bytes: (t) => path(`/%2e%2e${t.outer}`), answer: /^HTTP\/1\.1 400 / },
  { name: "path climbing with mixed-case encoded dots (%2E%2e)", bytes: (t) => path(`${t.outer}/%2E%2e/%2e%2E/%2e%2e/etc/passwd`), answer: /^HTTP\/1\.1 400 / },
  { name: "encoded slash (%2F)", bytes: (t) => path(`${t.outer}%2F..%2F..%2Fetc%2Fpasswd`), answer: /^HTTP\/1\.1 400 / },
  { name: "encoded backslash (%5C)", bytes: (t) => path(`${t.outer}%5C..%5C..%5Cetc`), answer: /^HTTP\/1\.1 400 / },
  { name: "raw backslashes", bytes: (t) => path(`${t.outer}\\..\\..\\etc`), answer: /^HTTP\/1\.1 400 / },
  { name: "encoded NUL (%00)", bytes: (t) => path(`${t.outer}%00.json`), answer: /^HTTP\/1\.1 400 / },
];

const targetOf = (i: number): Target => {
  const n = String(i + 1).padStart(2, "0");
  return { outer: `/echo/smuggle-${n}`, inner: `/echo/smuggled-${n}`, decoy: decoy.address };
};

interface RawAnswer {
  text: string;
  /** The gateway closed (or reset) the connection before the wait ended. */
  closed: boolean;
}

/** Writes raw bytes in one go and collects everything until the gateway closes the socket (or the wait ends). */
function sendRaw(bytes: string, waitMs = 30_000): Promise<RawAnswer> {
  const { port } = new URL(gateway.url);
  return new Promise((ok) => {
    const socket = connect(Number(port), "127.0.0.1");
    let text = "";
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      ok({ text, closed });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on("data", (c: Buffer) => (text += c.toString("latin1")));
    socket.on("error", () => done(true)); // a reset is a closed socket too
    socket.on("close", () => done(true));
    socket.write(Buffer.from(bytes, "latin1"));
  });
}

const workerPids = async () => (await gateway.status()).workers.map((w) => w.pid).sort((a, b) => a - b);

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  echo = await startUpstream("echo");
  echo.server.on("request", (req) => arrivals.push(`${req.method} ${req.url}`));
  decoy = await startUpstream("decoy");
  decoy.server.on("connection", () => decoyConnections++);
  await replaceDraft(db, {
    services: [{ name: "echo", targets: [{ address: echo.address }] }],
    routes: [{ name: "echo", path: "/echo", service: "echo", stripPrefix: true }],
  });
  const { version } = await publishDraft(db, { author: "test" });
  // Default parser limits and GATEWAY_MAX_HEADERS (100): the corpus checks what production runs.
  gateway = await startGateway({ databaseUrl: database.url, workers: 2 });
  await gateway.waitForVersion(version);
  pidsBefore = await workerPids();
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([echo?.close(), decoy?.close()]);
  await db?.$disconnect();
  await database?.close();
});

describe("a malformed or smuggling request gets a 4xx or a closed socket and reaches no upstream", () => {
  it.each(CORPUS.map((entry, i) => ({ ...entry, i })))("$name", async ({ bytes, answer: expected, i }) => {
    const target = targetOf(i);
    // Both workers hold a kept-alive upstream connection, ready to write on at once: the hardest case, where
    // only the order of parsing and forwarding keeps a request's head from leaving.
    await Promise.all(Array.from({ length: 4 }, async () => (await fetch(`${gateway.url}/echo/warm`, { headers: { connection: "close" } })).text()));
    const arrivedBefore = arrivals.length;
    const completedBefore = echo.requests.length;
    const sent = bytes(target);
    const answer = await sendRaw(sent);
    // Anything forwarded would have reached the upstream by now; a short pause only makes a miss less likely.
    await new Promise((r) => setTimeout(r, 200));
    const arrived = arrivals.slice(arrivedBefore);
    const completed = echo.requests.slice(completedBefore).map((r) => `${r.method} ${r.url} body=${JSON.stringify(r.body)}`);
    const context = [
      `sent ${JSON.stringify(sent.length > 300 ? `${sent.slice(0, 300)}…` : sent)}`,
      `got ${JSON.stringify(answer.text.slice(0, 400))} (socket ${answer.closed ? "closed" : "still open"})`,
      `upstream saw headers of ${JSON.stringify(arrived)}, completed ${JSON.stringify(completed)}`,
    ].join("\n");
    const smuggledToken = target.inner.slice("/echo".length);

    // Worst first: a smuggled request reaching the upstream, then a corpus request reaching it whole.
    expect(
      arrived.filter((a) => a.includes(smuggledToken)),
      `the smuggled request never reaches the upstream\n${context}`,
    ).toEqual([]);
    expect(completed, `no corpus request reaches the upstream whole\n${context}`).toEqual([]);
    expect(arrived, `not even the headers of a corpus request reach the upstream\n${context}`).toEqual([]);
    expect(decoyConnections, `nothing reaches the host a target names\n${context}`).toBe(0);

    const statusLines = answer.text.match(/(?:^|\r\n)HTTP\/\d\.\d \d{3}/g) ?? [];
    expect(statusLines.length, `at most one answer, and none to a smuggled request\n${context}`).toBeLessThanOrEqual(1);
    if (answer.text !== "") expect(answer.text, `a 4xx answer\n${context}`).toMatch(expected ?? /^HTTP\/1\.1 4\d\d /);
    // After a request whose framing cannot be trusted, the connection must not stay open for more.
    const head = answer.text.slice(0, answer.text.indexOf("\r\n\r\n") + 2);
    expect(answer.closed || /\r\nconnection: *close\r\n/i.test(head), `a closed socket, or an answer that closes it\n${context}`).toBe(true);
  });
});

describe("after the corpus", () => {
  it("still runs the same workers, never let a smuggled request through, and serves a normal request", async () => {
    expect(gateway.process.exitCode).toBeNull();
    expect(await workerPids(), `no worker died or was re-forked\n${gateway.output()}`).toEqual(pidsBefore);
    expect(pidsBefore).toHaveLength(2);
    expect((await gateway.status()).workers.every((w) => w.ready)).toBe(true);
    // Caught here too if one arrived late, after its entry had finished; per-entry checks cover the outer requests.
    expect(arrivals.filter((a) => /smuggled-|passwd|\/etc\b/.test(a))).toEqual([]);
    expect(decoyConnections).toBe(0);

    // Several requests on fresh connections, so that each worker is likely to serve one.
    for (let n = 0; n < 6; n++) {
      const res = await fetch(`${gateway.url}/echo/still-alive-${n}`, { headers: { connection: "close" } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { url: string }).url).toBe(`/still-alive-${n}`);
    }
    const answer = await sendRaw("GET /echo/still-alive-raw HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(answer.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(await workerPids()).toEqual(pidsBefore);
  });
});
