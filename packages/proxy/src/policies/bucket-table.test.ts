import { describe, expect, it } from "vitest";
import { BucketTable } from "./bucket-table";

/** A table of `max` keys on a clock the test moves; limits of `capacity` tokens refilled at one a second. */
function table(max: number) {
  let t = 0;
  const buckets = new BucketTable(max, () => t);
  const take = (key: string, capacity = 3) => buckets.take(key, capacity, 1).allowed;
  /** Takes until refused: the key is at its limit. */
  const exhaust = (key: string, capacity = 3) => {
    while (take(key, capacity));
  };
  return { buckets, take, exhaust, advance: (ms: number) => (t += ms) };
}

describe("BucketTable", () => {
  it("keeps exhausted clients limited while a flood of new keys passes through the full table", () => {
    const { buckets, take, exhaust } = table(100);
    // More than an eviction looks at, so keeping them cannot rest on comparing the oldest few.
    for (let i = 0; i < 40; i++) exhaust(`student-${i}`);
    for (let i = 0; i < 10_000; i++) take(`flood-${i}`);
    expect(buckets.size).toBe(100);
    for (let i = 0; i < 40; i++) expect(take(`student-${i}`)).toBe(false);
  });

  it("forgets a bucket that has refilled to full before one that is partly drained", () => {
    const { take, advance } = table(2);
    take("old"); // 2 of 3 left; refills to full in a second
    advance(1_000);
    take("recent"); // 2 of 3 left, drained now
    take("new"); // the table is full: one must go
    // "old" was full (as good as new): forgetting it lost nothing; "recent" keeps its count.
    take("recent");
    take("recent");
    expect(take("recent")).toBe(false);
  });

  it("forgets the fullest of the oldest open buckets, not a busier client that came first", () => {
    const { take, advance } = table(2);
    take("busy", 10); // 9 of 10 left
    take("idle", 10); // 9 of 10 left
    advance(1_000);
    for (let i = 0; i < 5; i++) take("busy", 10); // 5 of 10 left; "idle" is full again
    take("newcomer", 10);
    for (let i = 0; i < 5; i++) expect(take("busy", 10)).toBe(true);
    expect(take("busy", 10)).toBe(false);
  });

  it("forgets a drained bucket that has since refilled before a partly used open one", () => {
    const { take, exhaust, advance, buckets } = table(2);
    exhaust("was-limited");
    advance(3_000); // refilled to full, but still filed among the drained
    take("busy", 100);
    take("newcomer", 100);
    expect(buckets.size).toBe(2);
    // "busy" kept its count: 99 of 100 left before this take, 98 after.
    expect(buckets.take("busy", 100, 1).bucket.remaining).toBe(98);
  });

  it("forgets an exhausted bucket only when every tracked client is exhausted, and then the one nearest to a token", () => {
    const { take, exhaust, advance, buckets } = table(3);
    exhaust("a", 1);
    advance(500);
    exhaust("b", 1);
    exhaust("c", 1);
    take("d", 1); // all three are exhausted: "a", half a second nearer to its token, goes
    expect(buckets.size).toBe(3);
    expect(take("b", 1)).toBe(false);
    expect(take("c", 1)).toBe(false);
    expect(take("a", 1)).toBe(true);
  });

  it("moves a bucket between open and drained as it is used and refills, and starts it full when its limit changes", () => {
    const { buckets, take, exhaust, advance } = table(10);
    exhaust("k");
    expect(take("k")).toBe(false);
    advance(1_000);
    expect(take("k")).toBe(true);
    expect(buckets.size).toBe(1);
    // A config reload that changes the limit gives the key a fresh bucket of the new size.
    expect(buckets.take("k", 5, 1).bucket.remaining).toBe(4);
    expect(buckets.size).toBe(1);
  });

  it("stays within its bound under a flood that exhausts every key", () => {
    const { buckets, exhaust } = table(50);
    for (let i = 0; i < 5_000; i++) exhaust(`k-${i}`, 1);
    expect(buckets.size).toBe(50);
  });
});
