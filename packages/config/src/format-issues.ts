import type { z } from "zod";

export interface FieldError {
  /** Dotted path of the bad field, e.g. `routes.2.service` or `targets.0.address`. */
  path: string;
  message: string;
}

export function formatIssues(error: z.ZodError, prefix: (string | number)[] = []): FieldError[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join("."),
    message: issue.message,
  }));
}
