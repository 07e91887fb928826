/** Error codes domain code can raise; apps/api maps each to an HTTP status. */
export const domainErrorCodes = [
  "unprocessable_entity",
  "not_found",
  "conflict",
  "bad_request",
  "unauthorized",
  "idempotency_key_reused",
  "service_unavailable",
  "outcome_unknown",
  "unsupported_media_type",
  "payload_too_large",
  "rate_limited",
] as const;
export type DomainErrorCode = (typeof domainErrorCodes)[number];

/** One problem with a request: where (`email`, `tags[3]`, "" for the whole body) and what to fix. */
export interface ValidationDetail {
  path: string;
  message: string;
}

export type DomainErrorDetails = ValidationDetail[] | Record<string, unknown>;

export interface DomainErrorOptions {
  cause?: unknown;
}

/** A failure the caller can act on, carried with a stable code rather than an HTTP status. */
export class DomainError extends Error {
  override readonly name = "DomainError";
  readonly code: DomainErrorCode;
  // `declare` so an error without details has no `details` property at all (not one set to
  // undefined), which keeps serialised error bodies free of an empty key.
  declare readonly details?: DomainErrorDetails;

  constructor(
    code: DomainErrorCode,
    message: string,
    details?: DomainErrorDetails,
    options: DomainErrorOptions = {},
  ) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.code = code;
    if (details !== undefined) {
      this.details = details;
    }
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
