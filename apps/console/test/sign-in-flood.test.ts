import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@bulwark/db/test-database";
import { makeSession, ORIGIN } from "./auth-helpers";

/**
 * A sign-in flood must not starve the console: password hashes run in a few bounded slots, the rest of the flood
 * is turned away at once with 429 and Retry-After, and signed-in requests made meanwhile all succeed.
 */
let database: TestDatabase;
let signIn: typeof import("@/app/api/v1/auth/sign-in/route");
let services: typeof import("@/app/api/v1/services/route");
const ctx = { params: Promise.resolve({}) };

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  [signIn, services] = await Promise.all([import("@/app/api/v1/auth/sign-in/route"), import("@/app/api/v1/services/route")]);
});
afterAll(async () => {
  const { getDb } = await import("@/server/db");
  await getDb().$disconnect();
  await database.close();
});

describe("a sign-in flood", () => {
  it("is answered 401 or 429 with Retry-After, never 500, while signed-in requests keep being served", async () => {
    const { cookie } = await makeSession("viewer");
    const flood = Array.from({ length: 60 }, (_, i) =>
      signIn.POST(
        new Request(`${ORIGIN}/api/v1/auth/sign-in`, {
          method: "POST",
          headers: { origin: ORIGIN, host: "console.test", "content-type": "application/json", "x-forwarded-for": `203.0.113.${i}` },
          body: JSON.stringify({ email: `user${i}@test`, password: "not the password at all" }),
        }),
        ctx,
      ),
    );
    const reads = Array.from({ length: 30 }, () => services.GET(new Request(`${ORIGIN}/api/v1/services`, { headers: { cookie } }), ctx));
    const [floodAnswers, readAnswers] = await Promise.all([Promise.all(flood), Promise.all(reads)]);

    expect(readAnswers.map((r) => r.status)).toEqual(readAnswers.map(() => 200));
    const statuses = floodAnswers.map((r) => r.status);
    expect(
      statuses.every((s) => s === 401 || s === 429),
      JSON.stringify(statuses),
    ).toBe(true);
    const busy = floodAnswers.filter((r) => r.status === 429);
    expect(busy.length).toBeGreaterThan(0);
    for (const res of busy) {
      expect((await res.json()).error.code).toBe("SIGN_IN_BUSY");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  });
});
