import "server-only";
import type { Actor, AuditContext } from "@bulwark/db/audit";
import { validateSession } from "@bulwark/db/auth";
import type { Db } from "@bulwark/db/client";
import { ForbiddenError, UnauthorizedError } from "@bulwark/db/errors";
import type { Role } from "@bulwark/db/roles";
import { validateToken } from "@bulwark/db/tokens";
import { readSessionCookie } from "./session-cookie";

/** Who a request acts as: a signed-in user (by cookie) or an API token (by Bearer header). */
export interface Principal {
  kind: "user" | "token";
  id: string;
  /** The user's email or the token's name: what the audit log and publish authors show. */
  name: string;
  role: Role;
  /** Set for cookie sessions: the credential a browser sends by itself, which CSRF checks guard. */
  sessionId?: string;
}

/**
 * The request's principal, or null without credentials. A Bearer header wins over a cookie and is never
 * silently ignored: a bad, revoked or expired token is a 401, not an anonymous request.
 */
export async function authenticate(db: Db, headers: Headers, now = new Date()): Promise<Principal | null> {
  const authorization = headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    const token = match ? await validateToken(db, match[1], now) : null;
    if (!token) throw new UnauthorizedError("INVALID_TOKEN", "the API token is unknown, revoked or expired");
    return { kind: "token", id: token.id, name: token.name, role: token.role };
  }
  const cookie = readSessionCookie(headers);
  if (!cookie) return null;
  const session = await validateSession(db, cookie, now);
  if (!session) return null;
  return { kind: "user", id: session.user.id, name: session.user.email, role: session.user.role, sessionId: session.sessionId };
}

/**
 * CSRF defence for requests a browser can make with its ambient cookie: a state-changing request must come
 * from a page of this console, so its Origin must name this Host. A missing Origin (old browsers, tools) and
 * the opaque `null` origin (sandboxed frames, some redirects) are refused too: only Bearer requests, which
 * carry no ambient credential, go without.
 */
export function checkOrigin(request: Request): void {
  const origin = request.headers.get("origin");
  const host = request.headers.get("host");
  if (!origin || origin === "null") throw new ForbiddenError("CSRF_REJECTED", "a state-changing request needs an Origin header naming this console");
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new ForbiddenError("CSRF_REJECTED", "the Origin header is not a URL");
  }
  if (!host || originHost.toLowerCase() !== host.toLowerCase()) {
    throw new ForbiddenError("CSRF_REJECTED", `cross-origin request refused: Origin ${origin} is not this console (${host ?? "no Host"})`);
  }
}

export const isSafeMethod = (method: string) => method === "GET" || method === "HEAD" || method === "OPTIONS";

/**
 * The client's address for the audit log and sign-in throttling. The console's server (server.ts) replaces
 * X-Forwarded-For with the one address it resolved from the socket and CONSOLE_TRUSTED_PROXIES, so no client
 * chooses it; the last hop is taken in case something in between appends.
 */
export function clientIp(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-for");
  if (!forwarded) return null;
  const hops = forwarded
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  return hops.at(-1)?.replace(/^::ffff:/, "") ?? null;
}

function actorOf(principal: Principal): Actor {
  return { type: principal.kind, id: principal.id, name: principal.name };
}

export function auditContext(principal: Principal, headers: Headers): AuditContext {
  return { actor: actorOf(principal), ip: clientIp(headers) };
}
