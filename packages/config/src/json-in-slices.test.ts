import { describe, expect, it } from "vitest";
import { parseJsonInSlices } from "./json-in-slices";

/** Slices that are always due: the parse yields after every list element, and counts it. */
const everyStep = () => {
  const s = { yields: 0, due: () => true, yield: async () => void s.yields++ };
  return s;
};

const samples: string[] = [
  "{}",
  " { } ",
  '{"routes":[]}',
  '{"routes": [ ] , "services" : [ {"a": 1} ] }',
  '{"a": 1, "b": "x", "c": true, "d": null, "e": -1.5e3, "f": [1, "two", [3], {"four": 4}], "g": {"h": [1, 2]}}',
  '{"s": "quote \\" inside, backslash \\\\", "t": ["\\\\", "\\"", "}", "]", "{", "["]}',
  '{"__proto__": {"polluted": true}, "list": [{"__proto__": 1}]}',
  '{"dup": 1, "dup": [2, 3]}',
  '{"unicode": "caf\\u00e9 ☕", "emoji": ["😀"]}',
  '\n\t{\r\n"routes":\n[\n{"name":"r0"}\n,\n{"name":"r1"}\n]\n}\n',
  '{"n": [0, -0, 1e-7, 123456789012345678901234567890]}',
];

describe("parseJsonInSlices", () => {
  it.each(samples)("gives what JSON.parse gives: %s", async (text) => {
    const slices = everyStep();
    const value = await parseJsonInSlices(text, slices);
    expect(value).toStrictEqual(JSON.parse(text));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it("yields between the elements of a list, so a 20,000-route config is never parsed in one go", async () => {
    const config = { services: [{ name: "s" }], routes: Array.from({ length: 20_000 }, (_, i) => ({ name: `r${i}`, path: `/r${i}`, hosts: [] })) };
    const slices = everyStep();
    expect(await parseJsonInSlices(JSON.stringify(config), slices)).toStrictEqual(config);
    expect(slices.yields).toBe(19_999);
  });

  it.each(["[1, 2]", '"text"', "42", "null", "true"])("parses what is not an object whole: %s", async (text) => {
    expect(await parseJsonInSlices(text, everyStep())).toStrictEqual(JSON.parse(text));
  });

  it.each(['{"a": [1, 2}', '{"a": 1', '{"a" 1}', '{"a": [1,]}', '{"a": tru}', '{"a": 1} x', '{"a": "unterminated}', '{"a": [{"b": 1]]}', ""])(
    "throws JSON.parse's SyntaxError for what is not JSON: %s",
    async (text) => {
      let expected: unknown;
      try {
        JSON.parse(text);
      } catch (error) {
        expected = error;
      }
      await expect(parseJsonInSlices(text, everyStep())).rejects.toThrow((expected as Error).message);
    },
  );
});
