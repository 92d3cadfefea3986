import { describe, expect, it } from "vitest";
import { canonicalHost, canonicalPath, NonCanonicalPathError, routeKey } from "./canonical-form";
import { HOST_SPELLINGS, PATH_SPELLINGS } from "./canonical-spellings";

function pathOrNull(raw: string): string | null {
  try {
    return canonicalPath(raw);
  } catch (error) {
    if (error instanceof NonCanonicalPathError) return null;
    throw error;
  }
}

describe("canonicalPath: the documented table", () => {
  it.each(PATH_SPELLINGS.map((s) => [s.raw, s.canonical, s.why]))("%s -> %s (%s)", (raw, canonical) => {
    expect(pathOrNull(raw as string)).toBe(canonical);
  });
});

describe("canonicalHost: the documented table", () => {
  it.each(HOST_SPELLINGS.map((s) => [s.raw, s.canonical, s.why]))("%s -> %s (%s)", (raw, canonical) => {
    expect(canonicalHost(raw as string, 80)?.host ?? null).toBe(canonical);
  });
});

describe("canonicalPath", () => {
  it("is idempotent: a canonical path is its own canonical form", () => {
    for (const s of PATH_SPELLINGS) if (s.canonical !== null) expect(canonicalPath(s.canonical)).toBe(s.canonical);
  });

  it("maps every spelling of one resource to one form (random encodings of a path's characters)", () => {
    const target = "/exams/$42@x~y";
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 500; n++) {
      let spelled = "";
      for (const ch of target) {
        const r = random();
        if (ch !== "/" && r < 0.3) spelled += `%${ch.charCodeAt(0).toString(16).padStart(2, "0")}`;
        else if (ch !== "/" && r < 0.5) spelled += `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
        else if (ch === "/" && r < 0.2) spelled += "//";
        else if (ch === "/" && r < 0.35) spelled += "/./";
        else spelled += ch;
      }
      if (random() < 0.3) spelled = spelled.replace("/exams", "/exams;a=b");
      expect(canonicalPath(spelled)).toBe(target);
    }
  });

  it("encodes bytes above 0x7f (node reads the request line as latin1) and refuses wider characters", () => {
    expect(canonicalPath("/caf\u00c3\u00a9")).toBe("/caf%C3%A9");
    expect(() => canonicalPath("/\u20ac")).toThrow(NonCanonicalPathError);
  });

  it("handles a path of thousands of segments", () => {
    const long = "/a".repeat(5000) + "/%2e%2e";
    expect(canonicalPath(long)).toBe("/a".repeat(4999) + "/");
  });
});

describe("routeKey", () => {
  it("drops one trailing slash but keeps the root", () => {
    expect(routeKey("/exams/")).toBe("/exams");
    expect(routeKey("/exams")).toBe("/exams");
    expect(routeKey("/")).toBe("/");
  });
});
