import "server-only";
import { SESSION_POLICY } from "@bulwark/db/auth";

const SESSION_COOKIE = "bulwark_session";

/** HTTPS as the browser saw it: set by the console's server from TLS, or from a trusted proxy's X-Forwarded-Proto only. */
function isHttps(request: Request): boolean {
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return proto ? proto === "https" : new URL(request.url).protocol === "https:";
}

export function readSessionCookie(headers: Headers): string | null {
  const header = headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === SESSION_COOKIE) {
      // Bulwark's own cookie is base64url; anything else (bad percent-encoding, NUL) is no session, not an error.
      const value = part.slice(at + 1).trim();
      return /^[A-Za-z0-9_-]{1,100}$/.test(value) ? value : null;
    }
  }
  return null;
}

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's request carries it),
 * Secure over HTTPS, and no longer-lived than the session's absolute limit.
 */
export function sessionCookie(request: Request, value: string, maxAgeSeconds = SESSION_POLICY.absoluteMs / 1000): string {
  return [`${SESSION_COOKIE}=${encodeURIComponent(value)}`, "Path=/", "HttpOnly", "SameSite=Strict", `Max-Age=${maxAgeSeconds}`, ...(isHttps(request) ? ["Secure"] : [])].join("; ");
}

export function clearedSessionCookie(request: Request): string {
  return sessionCookie(request, "", 0);
}
