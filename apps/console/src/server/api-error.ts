import "server-only";
import { randomUUID } from "node:crypto";
import { ConflictError, ForbiddenError, NotFoundError, TooManyRequestsError, UnauthorizedError, ValidationError } from "@bulwark/db/errors";
import type { FieldError } from "@bulwark/config/errors";

interface ApiErrorBody {
  error: { code: string; message?: string; fields?: FieldError[]; id?: string };
}

/** A request the handler refuses before reaching the data layer (malformed JSON, bad path parameter). */
export class BadRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 413 = 400,
  ) {
    super(message);
  }
}

function json(status: number, body: ApiErrorBody, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers });
}

/** The one mapping from thrown errors to HTTP answers; unknown errors are logged with an id and never leak a stack. */
export function toErrorResponse(error: unknown): Response {
  if (error instanceof ValidationError) {
    return json(422, { error: { code: "VALIDATION_FAILED", message: error.message, fields: error.fields } });
  }
  if (error instanceof UnauthorizedError) {
    return json(401, { error: { code: error.code, message: error.message } }, { "www-authenticate": 'Bearer realm="bulwark"' });
  }
  if (error instanceof ForbiddenError) return json(403, { error: { code: error.code, message: error.message } });
  if (error instanceof TooManyRequestsError) {
    return json(429, { error: { code: error.code, message: error.message } }, { "retry-after": String(error.retryAfterSeconds) });
  }
  if (error instanceof BadRequestError) return json(error.status, { error: { code: error.code, message: error.message } });
  if (error instanceof NotFoundError) return json(404, { error: { code: "NOT_FOUND", message: error.message } });
  if (error instanceof ConflictError) {
    return json(409, { error: { code: error.code, message: error.message, ...(error.fields.length ? { fields: error.fields } : {}) } });
  }
  const id = randomUUID();
  console.error(`[console] internal error ${id}:`, error instanceof Error ? (error.stack ?? error.message) : error);
  return json(500, { error: { code: "INTERNAL", message: "internal error; see the server log", id } });
}
