import "server-only";
import { formatIssues } from "@bulwark/config/errors";
import { ValidationError } from "@bulwark/db/errors";
import { stringProblem } from "./check-input";

interface QuerySchema<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: Parameters<typeof formatIssues>[0] };
}

/** Parses a request's query string with a shared schema; a bad parameter is a 422 at its name, like a bad body field. */
export function parseQuery<T>(schema: QuerySchema<T>, request: Request): T {
  const params: Record<string, string> = {};
  for (const [key, value] of new URL(request.url).searchParams) {
    const problem = stringProblem(key) ?? stringProblem(value);
    if (problem) throw new ValidationError([{ path: stringProblem(key) ? "(query)" : key, message: problem }]);
    if (value.trim() !== "") params[key] = value.trim();
  }
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new ValidationError(formatIssues(parsed.error));
  return parsed.data;
}
