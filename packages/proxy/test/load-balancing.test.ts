import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@bulwark/db/client";
import { publishDraft, replaceDraft } from "@bulwark/db/config-store";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { startGateway, startUpstream, type Gateway, type Upstream } from "./gateway-harness";

let database: TestDatabase;
let db: Db;
let gateway: Gateway;
let upstreams: Upstream[];

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  upstreams = await Promise.all(["a", "b", "c"].map((n) => startUpstream(n)));
  const slow = await startUpstream("slow", (_req, res) => {
    setTimeout(() => res.writeHead(200, { "x-upstream": "slow" }).end("slow"), 300);
    return true;
  });
  upstreams.push(slow);
  const targets = upstreams.slice(0, 3).map((u) => ({ address: u.address }));
  await replaceDraft(db, {
    services: [
      { name: "live", targets, loadBalancing: { algorithm: "consistent-hash", hashOn: { source: "header", name: "x-student-id" } } },
      { name: "mixed", targets: [{ address: slow.address }, { address: upstreams[0].address }], loadBalancing: { algorithm: "least-requests" } },
    ],
    routes: [
      { name: "live", path: "/live", service: "live" },
      { name: "mixed", path: "/mixed", service: "mixed" },
    ],
  });
  const { version } = await publishDraft(db, { author: "test" });
  gateway = await startGateway({ databaseUrl: database.url, workers: 2 });
  await gateway.waitForVersion(version);
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all(upstreams.map((u) => u.close()));
  await db?.$disconnect();
  await database?.close();
});

describe("load balancing across the fleet", () => {
  it("keeps each student of a live class on one instance, whichever worker answers", async () => {
    for (const student of ["s-1", "s-2", "s-3", "s-4", "s-5", "s-6"]) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, async () => (await fetch(`${gateway.url}/live/join`, { headers: { "x-student-id": student, connection: "close" } })).headers.get("x-upstream")),
      );
      expect(new Set(answers).size).toBe(1);
    }
  });

  it("least-requests sends most concurrent traffic to the target that answers fast", async () => {
    // Four clients, each sending its next request when the last one is answered: round-robin would split them
    // about evenly (every other request waits on the slow target); least-requests keeps sending to the free one.
    const answers: (string | null)[] = [];
    const until = Date.now() + 2_000;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < until) answers.push((await fetch(`${gateway.url}/mixed/x`)).headers.get("x-upstream"));
      }),
    );
    const slow = answers.filter((a) => a === "slow").length;
    expect(answers.filter((a) => a === "a").length).toBeGreaterThan(3 * slow);
  });
});
