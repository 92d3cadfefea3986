import { GatewayError } from "../errors";

const BAD_PATH = () => new GatewayError("BAD_REQUEST", "the request path is not valid");

/**
 * Normalises an origin-form path before routing so that no rule can be bypassed by spelling: decodes encoded
 * dots, collapses empty segments and resolves `.` and `..`. A path that would climb above the root, that is not
 * origin-form, or that carries encoded slashes, backslashes or NUL is refused.
 */
export function normalizePath(raw: string): string {
  if (raw.charCodeAt(0) !== 47 /* / */) throw BAD_PATH();
  // The common case: nothing to normalise.
  if (!/\/\/|\/\.|%2e|%2f|%5c|%00|\\/i.test(raw)) return raw;
  if (/%2f|%5c|%00|\\/i.test(raw)) throw BAD_PATH();
  const decoded = raw.replace(/%2e/gi, ".");
  const out: string[] = [];
  const segments = decoded.split("/");
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    if (s === "" && i !== segments.length - 1) continue;
    if (s === ".") continue;
    if (s === "..") {
      if (out.length === 0) throw BAD_PATH();
      out.pop();
      continue;
    }
    out.push(s);
  }
  const last = segments[segments.length - 1];
  const trailing = last === "" || last === "." || last === "..";
  const joined = "/" + out.filter((s, i) => s !== "" || i === out.length - 1).join("/");
  return trailing && !joined.endsWith("/") ? `${joined}/` : joined;
}
