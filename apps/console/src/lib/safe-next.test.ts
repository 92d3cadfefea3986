import { describe, expect, it } from "vitest";
import { safeNext } from "@/lib/safe-next";

/** Where a browser would land if told to go to `next` from a page of https://console.example. */
const landing = (next: string) => new URL(next, "https://console.example/sign-in").origin;

describe("safeNext keeps the return path on the console", () => {
  it.each([
    ["/routes", "/routes"],
    ["/routes?tab=access#jwt", "/routes?tab=access#jwt"],
    ["/slos/exam-availability", "/slos/exam-availability"],
    ["/a/../routes", "/routes"],
    ["/%2F%2Fevil.com", "/%2F%2Fevil.com"],
  ])("keeps the console path %j as %j", (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });

  it.each([
    "//evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "/\r\n/evil.com",
    "\t//evil.com",
    " //evil.com",
    "/.//evil.com",
    "/./\\evil.com",
    "/%2e//evil.com",
    "///evil.com",
    "/\\/evil.com",
    "https://evil.com",
    "https:evil.com",
    "http:/evil.com",
    "javascript:alert(1)",
    "evil.com",
    "@evil.com",
    "/sign-in",
    "/sign-in?next=/routes",
    "/sign-in/",
    "",
  ])("sends %j to / instead", (next) => {
    expect(safeNext(next)).toBe("/");
  });

  it("never answers a path that a browser would take off the console", () => {
    const spellings = ["/", "\\", "\t", "\n", "%2f", "%5c", ".", "@", ":", "evil.com", "%09", " "];
    for (const a of spellings)
      for (const b of spellings)
        for (const c of spellings) {
          const next = `${a}${b}${c}evil.com`;
          const answered = safeNext(next);
          expect(answered.startsWith("/") && !answered.startsWith("//"), `${JSON.stringify(next)} -> ${answered}`).toBe(true);
          expect(landing(answered), `${JSON.stringify(next)} -> ${answered}`).toBe("https://console.example");
        }
  });

  it("refuses arrays, missing and oversized values", () => {
    expect(safeNext(undefined)).toBe("/");
    expect(safeNext(null)).toBe("/");
    expect(safeNext(["/routes", "//evil.com"])).toBe("/");
    expect(safeNext(`/${"a".repeat(5000)}`)).toBe("/");
  });
});
