import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { startGateway, type Gateway } from "./gateway-harness";

// A worker tracks at most 100 000 rate-limit keys; the flood sends more distinct keys than that.
const FLOOD_KEYS = 110_000;

let database: TestDatabase;
let db: Db;
let gateway: Gateway;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  await replaceDraft(db, {
    // The target is never asked: every admitted request is aborted by the route's fault, so the flood costs
    // the gateway only its admit phase.
    services: [{ name: "none", targets: [{ address: "127.0.0.1:9" }] }],
    routes: [
      {
        name: "grades",
        path: "/grades",
        service: "none",
        rateLimit: { requests: 3, windowMs: 3_600_000, by: "header", header: "x-client" },
        faults: { abort: { percent: 100, status: 503 } },
      },
    ],
  });
  const { version } = await publishDraft(db, { author: "test" });
  // One worker and no Redis: the local buckets, per worker, are what is tested (with REDIS_URL the cluster-wide
  // limiter would answer, from buckets an earlier run left in the same Redis).
  gateway = await startGateway({ databaseUrl: database.url, workers: 1, env: { REDIS_URL: "" } });
  await gateway.waitForVersion(version, 1);
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await db?.$disconnect();
  await database?.close();
});

/** Sends GETs for `clients` pipelined on one keep-alive connection, `batch` at a time; returns their statuses in order. */
async function pipelined(clients: readonly string[], batch = 500): Promise<number[]> {
  const { hostname, port } = new URL(gateway.url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((ok, fail) => socket.once("connect", ok).once("error", fail));
  const statuses: number[] = [];
  let pending = "";
  let waiting: (() => void) | null = null;
  let want = 0;
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => {
    pending += chunk;
    // Answers are small JSON errors with a Content-Length: a status line starts each.
    const re = /HTTP\/1\.1 (\d{3}) /g;
    let m: RegExpExecArray | null;
    let last = 0;
    while ((m = re.exec(pending)) !== null) {
      statuses.push(Number(m[1]));
      last = re.lastIndex;
    }
    pending = pending.slice(last);
    if (statuses.length >= want && waiting) waiting();
  });
  for (let i = 0; i < clients.length; i += batch) {
    const slice = clients.slice(i, i + batch);
    want = i + slice.length;
    const done = new Promise<void>((ok) => (waiting = ok));
    socket.write(slice.map((c) => `GET /grades/me HTTP/1.1\r\nhost: gw.test\r\nx-client: ${c}\r\n\r\n`).join(""));
    await done;
  }
  socket.destroy();
  return statuses;
}

describe("rate limits under a flood of distinct keys", () => {
  it("keeps a client that exhausted its limit limited after more new keys than a worker tracks have come through", async () => {
    const first = await pipelined(["student-7", "student-7", "student-7", "student-7"]);
    expect(first).toEqual([503, 503, 503, 429]);

    const flood = await pipelined(Array.from({ length: FLOOD_KEYS }, (_, i) => `flood-${i}`));
    expect(flood).toHaveLength(FLOOD_KEYS);
    // Each new key had a full bucket: its one request was admitted (and aborted by the fault).
    expect(flood.every((s) => s === 503)).toBe(true);

    expect(await pipelined(["student-7"])).toEqual([429]);
  }, 300_000);
});
