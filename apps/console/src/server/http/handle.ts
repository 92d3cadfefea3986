import "server-only";
import type { AuditContext } from "@bulwark/db/audit";
import type { Db } from "@bulwark/db/client";
import { ForbiddenError, UnauthorizedError, ValidationError } from "@bulwark/db/errors";
import { roleAllows, type Role } from "@bulwark/db/roles";
import { BadRequestError, toErrorResponse } from "@/server/api-error";
import { auditContext, authenticate, checkOrigin, clientIp, isSafeMethod, type Principal } from "@/server/auth/authenticate";
import { findInputProblem, INPUT_LIMITS, stringProblem } from "./check-input";
import { getDb } from "@/server/db";

export interface HandlerContext {
  db: Db;
  request: Request;
  params: Record<string, string>;
  principal: Principal;
  /** Handed to every mutation so it writes its one audit entry, with this actor, in its own transaction. */
  audit: AuditContext;
}

/** The one public route (sign-in) gets the same wrapper, with no principal required. */
export interface PublicHandlerContext {
  db: Db;
  request: Request;
  params: Record<string, string>;
  principal: Principal | null;
  ip: string | null;
}

interface Options {
  status?: number;
  /**
   * The weakest role allowed. Defaults: viewer for GET/HEAD, operator for anything that changes state.
   * `public` only for signing in.
   */
  role?: Role;
}

/**
 * Wraps a route handler: authenticates (session cookie or Bearer token), checks the Origin of cookie-borne
 * state changes (CSRF), checks the role, resolves params, runs it, answers JSON (204 for undefined; a handler
 * may return its own Response) and funnels every error, 401 and 403 included, through the one error mapper.
 */
export function handle(fn: (ctx: PublicHandlerContext) => Promise<unknown>, options: Omit<Options, "role"> & { role: "public" }): RouteHandler;
export function handle(fn: (ctx: HandlerContext) => Promise<unknown>, options?: Options): RouteHandler;
export function handle(fn: (ctx: never) => Promise<unknown>, options: Omit<Options, "role"> & { role?: Role | "public" } = {}): RouteHandler {
  const handler = async (request: Request, context: { params: Promise<Record<string, string>> }): Promise<Response> => {
    try {
      const db = getDb();
      const safe = isSafeMethod(request.method);
      const needed = options.role ?? (safe ? "viewer" : "operator");
      const principal = await authenticate(db, request.headers);
      if (needed !== "public" && !principal) throw new UnauthorizedError("UNAUTHENTICATED", "sign in, or send an API token as Authorization: Bearer");
      if (!safe && principal?.kind !== "token") checkOrigin(request);
      if (needed !== "public" && !roleAllows(principal!.role, needed)) {
        throw new ForbiddenError("FORBIDDEN", `this needs the ${needed} role; ${principal!.name} is ${principal!.role}`);
      }
      const params = context?.params ? await context.params : {};
      checkParams(params);
      const ctx =
        needed === "public" ? { db, request, params, principal, ip: clientIp(request.headers) } : { db, request, params, principal: principal!, audit: auditContext(principal!, request.headers) };
      const result = await (fn as (ctx: unknown) => Promise<unknown>)(ctx);
      if (result instanceof Response) return noStore(result);
      if (result === undefined) return noStore(new Response(null, { status: 204 }));
      return noStore(Response.json(result, { status: options.status ?? 200 }));
    } catch (error) {
      return noStore(toErrorResponse(error));
    }
  };
  return Object.assign(handler, { requiredRole: options.role ?? null });
}

/** Answers of the admin API carry config, users, tokens and audit entries: no browser or proxy may keep one. */
function noStore(response: Response): Response {
  response.headers.set("cache-control", "no-store");
  return response;
}

export type RouteHandler = ((request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>) & {
  /** The role the route declared (null: the method's default), for the test that walks every route. */
  requiredRole: Role | "public" | null;
};

/**
 * Reads a JSON body. Not JSON is a 400 BAD_JSON, too large a 413 and too deeply nested a 400 (both before any
 * schema walks it); a string no field may hold (NUL, a lone surrogate) is a 422 at its field. Never a 500.
 */
export async function readJson(request: Request, { optional = false } = {}): Promise<unknown> {
  const text = await readBody(request, INPUT_LIMITS.maxBodyBytes);
  if (!text.trim()) {
    if (optional) return {};
    throw new BadRequestError("BAD_JSON", "the request body must be JSON");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestError("BAD_JSON", "the request body is not valid JSON");
  }
  const problem = findInputProblem(value);
  if (problem?.kind === "depth") throw new BadRequestError("JSON_TOO_DEEP", `the request body is nested deeper than ${INPUT_LIMITS.maxDepth} levels (at ${problem.path || "the root"})`);
  if (problem) throw new ValidationError([problem.field]);
  return value;
}

/** The body as text, refusing more than `limit` bytes whether or not a Content-Length announced them. */
async function readBody(request: Request, limit: number): Promise<string> {
  const tooLarge = () => new BadRequestError("BODY_TOO_LARGE", `the request body is larger than ${limit} bytes`, 413);
  const declared = Number(request.headers.get("content-length"));
  if (declared > limit) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Path parameters are names and ids: a NUL or broken Unicode in one is a 400, never a database error. */
function checkParams(params: Record<string, string>): void {
  for (const [name, value] of Object.entries(params)) {
    const problem = typeof value === "string" ? (value.length > 512 ? "is longer than 512 characters" : stringProblem(value)) : null;
    if (problem) throw new BadRequestError("BAD_PATH_PARAMETER", `the path parameter ${name} ${problem}`);
  }
}
