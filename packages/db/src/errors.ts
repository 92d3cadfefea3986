import type { FieldError } from "@bulwark/config/errors";

/** Errors the data layer throws on purpose; the console and API map each to one HTTP status. */
export class ValidationError extends Error {
  readonly code = "VALIDATION_FAILED";
  constructor(readonly fields: FieldError[]) {
    super(`invalid input: ${fields.map((f) => `${f.path || "(root)"} ${f.message}`).join("; ")}`);
  }
}

export class NotFoundError extends Error {
  readonly code = "NOT_FOUND";
  constructor(message: string) {
    super(message);
  }
}

export class ConflictError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

/** No credentials, or credentials that do not (or no longer) hold: 401. */
export class UnauthorizedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Authenticated, but not allowed to do this: 403. */
export class ForbiddenError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Refused until later (sign-in throttling and lockout): 429 with Retry-After. */
export class TooManyRequestsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
