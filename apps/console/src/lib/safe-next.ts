/**
 * Where to go back to after signing in: a path of this console, never another site. The value is parsed the
 * way a browser parses it (WHATWG URL: tabs and newlines dropped, backslashes read as slashes, `/./` and `%2e`
 * segments resolved) against a placeholder origin, and only a result on that same origin is kept, re-serialised,
 * so what the browser is sent to is exactly what was checked. Anything else goes to "/".
 */
const BASE = "http://console.invalid";

export function safeNext(raw: string | string[] | null | undefined): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2048) return "/";
  // Only relative paths: an absolute URL (even of this console) or a scheme-relative one is refused outright.
  if (!raw.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return "/";
  }
  if (url.origin !== BASE || url.username || url.password) return "/";
  // A path that serialises with two leading slashes (`/.//evil.com` resolves to `//evil.com`) is scheme-relative
  // once handed to a browser on its own.
  if (url.pathname.startsWith("//") || url.pathname.includes("\\")) return "/";
  if (url.pathname === "/sign-in" || url.pathname.startsWith("/sign-in/")) return "/";
  return url.pathname + url.search + url.hash;
}
