import "server-only";
import { BadRequestError, toErrorResponse } from "./api-error";
import { getDb } from "./db";
import type { Db } from "@bulwark/db/client";

export interface HandlerContext {
  db: Db;
  request: Request;
  params: Record<string, string>;
}

type Handler = (ctx: HandlerContext) => Promise<unknown>;
interface Options {
  status?: number;
}

/**
 * Wraps a route handler: resolves params, runs it, answers JSON (204 for undefined) and funnels every error
 * through the one error mapper.
 */
export function handle(fn: Handler, options: Options = {}) {
  return async (request: Request, context: { params: Promise<Record<string, string>> }): Promise<Response> => {
    try {
      const params = context?.params ? await context.params : {};
      const result = await fn({ db: getDb(), request, params });
      if (result === undefined) return new Response(null, { status: 204 });
      return Response.json(result, { status: options.status ?? 200 });
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}

/** Reads a JSON body; a body that is not JSON is a 400 BAD_JSON, never a 500. */
export async function readJson(request: Request, { optional = false } = {}): Promise<unknown> {
  const text = await request.text();
  if (!text.trim()) {
    if (optional) return {};
    throw new BadRequestError("BAD_JSON", "the request body must be JSON");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError("BAD_JSON", "the request body is not valid JSON");
  }
}

export function publishAuthor(request: Request, fallback = "api"): string {
  const actor = request.headers.get("x-bulwark-actor")?.trim();
  return actor ? actor.slice(0, 100) : fallback;
}
