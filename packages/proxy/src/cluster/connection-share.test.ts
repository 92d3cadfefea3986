import { describe, expect, it } from "vitest";
import { ConnectionShare, fairShare } from "./connection-share";

function closes(share: ConnectionShare): number {
  let n = 0;
  while (share.takeClose()) n++;
  return n;
}

describe("ConnectionShare", () => {
  it("closes the connections above the fair share, once each", () => {
    const share = new ConnectionShare(true);
    share.open = 8;
    share.setFair(4, 8);
    expect(closes(share)).toBe(4);
    expect(share.takeClose()).toBe(false);
  });

  it("does not count connections that arrived after its last report", () => {
    const share = new ConnectionShare(true);
    share.open = 8; // a burst, after a report of 0 that the primary's share of 0 answers
    share.setFair(0, 0);
    expect(closes(share)).toBe(0);
    share.open = 6; // two went away since reporting 8
    share.setFair(4, 8);
    expect(closes(share)).toBe(2);
  });

  it("does nothing when turned off", () => {
    const share = new ConnectionShare(false);
    share.open = 8;
    share.setFair(1, 8);
    expect(closes(share)).toBe(0);
  });

  it("shares out every connection, rounding up", () => {
    expect(fairShare([8, 0], 2)).toBe(4);
    expect(fairShare([3, 0], 2)).toBe(2);
    expect(fairShare([0, 0], 2)).toBe(0);
  });
});
