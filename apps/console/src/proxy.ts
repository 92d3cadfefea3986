import { NextResponse, type NextRequest } from "next/server";
import { stringProblem } from "./server/http/check-input";

/**
 * Security headers on every answer of the console, pages and API alike. The CSP allows only this origin's
 * scripts plus Next's inline bootstrap scripts, which carry a fresh nonce per request (Next reads it from
 * the request's CSP header and stamps its own scripts). Styles allow 'unsafe-inline' because React renders
 * style attributes (charts, bars) into the HTML, which nonces cannot cover; inline styles cannot run code.
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const https = (request.headers.get("x-forwarded-proto") ?? request.nextUrl.protocol.replace(":", "")) === "https";
  const dev = process.env.NODE_ENV === "development";
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  // Pages redirect to sign-in and back here; server components cannot see their own path otherwise.
  requestHeaders.set("x-bulwark-path", request.nextUrl.pathname + request.nextUrl.search);
  const problem = urlProblem(request.nextUrl);
  const response = problem ? NextResponse.json({ error: { code: "BAD_URL", message: problem } }, { status: 400 }) : NextResponse.next({ request: { headers: requestHeaders } });
  const set = (name: string, value: string) => response.headers.set(name, value);
  // Pages of a signed-in user and every API answer hold config, users or audit entries: never kept by a cache.
  set("cache-control", "no-store");
  set("content-security-policy", csp);
  set("x-frame-options", "DENY");
  set("x-content-type-options", "nosniff");
  set("referrer-policy", "same-origin");
  set("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
  set("cross-origin-opener-policy", "same-origin");
  set("cross-origin-resource-policy", "same-origin");
  if (https) set("strict-transport-security", "max-age=31536000");
  return response;
}

/**
 * A URL whose path or query no page or handler could use: malformed percent-encoding, or a NUL or lone
 * surrogate once decoded (PostgreSQL text cannot hold them). Refused here, once, for pages and API alike.
 */
function urlProblem(url: URL): string | null {
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return "the path has malformed percent-encoding";
  }
  const inPath = stringProblem(path);
  if (inPath) return `the path ${inPath}`;
  for (const [key, value] of url.searchParams) {
    const inQuery = stringProblem(key) ?? stringProblem(value);
    if (inQuery) return `the query parameter ${JSON.stringify(key)} ${inQuery}`;
  }
  return null;
}

export const config = {
  // Everything but Next's hashed static files (which are the same for everyone and carry no data).
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
