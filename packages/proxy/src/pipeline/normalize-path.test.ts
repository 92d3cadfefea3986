import { describe, expect, it } from "vitest";
import { normalizePath } from "./normalize-path";

describe("normalizePath", () => {
  it.each([
    ["/catalog/courses", "/catalog/courses"],
    ["//catalog//courses", "/catalog/courses"],
    ["/admin/../catalog/x", "/catalog/x"],
    ["/a/./b/", "/a/b/"],
    ["/a/%2e%2e/b", "/b"],
    ["/a/%2E/b", "/a/b"],
    ["/", "/"],
    ["/a/b/..", "/a/"],
  ])("%s -> %s", (raw, expected) => expect(normalizePath(raw)).toBe(expected));

  it.each(["*", "http://x/a", "/..", "/a/../../b", "/%2e%2e/x", "/a%2fb", "/a\\b", "/a%00"])("refuses %s", (raw) => {
    expect(() => normalizePath(raw)).toThrow(expect.objectContaining({ status: 400, code: "BAD_REQUEST" }));
  });
});
