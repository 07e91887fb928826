import type { Logger } from "@upsert/config";
import { isDatabaseUnavailableError } from "@upsert/db";
import { type DomainErrorCode, isDomainError } from "@upsert/domain";
import type { ErrorRequestHandler, Request, RequestHandler } from "express";
import { sendError } from "./envelope";

// The one place that maps error codes to HTTP statuses.
const statusByCode: Record<DomainErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  unprocessable_entity: 422,
  idempotency_key_reused: 422,
  service_unavailable: 503,
  // The database stopped answering while the request was being committed (see accept-upsert.ts).
  outcome_unknown: 504,
  unsupported_media_type: 415,
  payload_too_large: 413,
  // Monaco's code and status for a request over its organisation's rate limit (see rate-limit.ts).
  rate_limited: 429,
};

/** The status of an error code, e.g. one a failed job recorded (500 for a code we do not know). */
export function statusOfErrorCode(code: string): number {
  return Object.hasOwn(statusByCode, code) ? statusByCode[code as DomainErrorCode] : 500;
}

// Codes for client errors that carry only a status (body-parser, the router, zlib, Node's HTTP
// parser): Monaco's where it has one (`client_error` is its catch-all for other 4xx), else the
// status's reason phrase in the same snake_case form.
const codeByClientStatus: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  408: "request_timeout",
  409: "conflict",
  411: "length_required",
  413: "payload_too_large",
  414: "uri_too_long",
  415: "unsupported_media_type",
  417: "expectation_failed",
  422: "unprocessable_entity",
  429: "rate_limited",
  431: "request_header_fields_too_large",
};

/** The envelope's code for a 4xx status. */
export function codeOfClientStatus(status: number): string {
  return codeByClientStatus[status] ?? "client_error";
}

/** body-parser's error types, answered in the contract's envelope instead of an HTML page. */
const bodyParserMessages: Record<string, string | ((req: Request, err: Record<string, unknown>) => string)> =
  {
    "entity.parse.failed": "The request body is not valid JSON.",
    "entity.too.large": (_req, err) =>
      `The request body is larger than the ${typeof err.limit === "number" ? formatBytes(err.limit) : "256 KiB"} limit.`,
    "encoding.unsupported": (req) =>
      `Content-Encoding ${JSON.stringify(req.get("content-encoding") ?? "")} is not supported: send the body uncompressed or as gzip, deflate or br.`,
    "charset.unsupported": "Unsupported charset: send JSON as UTF-8.",
    "charset.invalid": "The request body is not valid UTF-8.",
    "request.aborted": "The request was aborted before its body arrived.",
    "request.size.invalid": "The request body's size does not match its Content-Length header.",
  };

/** 262144 → "256 KiB", 6291456 → "6 MiB". */
function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

interface ClientError {
  status: number;
  code: string;
  message: string;
}

/**
 * An error that is the client's fault by its own account: an HTTP status of 400-499 in `status`
 * or `statusCode` (http-errors, which body-parser and the router use, sets both). Its message is
 * written here, never taken from a stack or a library's internals.
 */
function toClientError(err: unknown, req: Request): ClientError | null {
  if (typeof err !== "object" || err === null) return null;
  const { status, statusCode, type, code, errno } = err as Record<string, unknown>;
  const given = typeof status === "number" ? status : statusCode;
  if (typeof given !== "number" || !Number.isInteger(given) || given < 400 || given > 499) return null;
  const known = typeof type === "string" ? bodyParserMessages[type] : undefined;
  let message: string;
  if (known !== undefined) {
    message = typeof known === "string" ? known : known(req, err as Record<string, unknown>);
  } else if (err instanceof URIError) {
    // The router could not percent-decode a path parameter (`%zz`, `%`, `%E0%A4%A`).
    message = "The request path has a malformed percent-escape: each % must start a UTF-8 byte like %C3%A9.";
  } else if (typeof errno === "number" && typeof code === "string" && /^(Z_|ERR_)/.test(code)) {
    // zlib (Z_DATA_ERROR) or brotli (ERR__ERROR_FORMAT_…), while body-parser inflated the body.
    message = `The request body is not valid ${req.get("content-encoding") ?? "compressed"} data, as its Content-Encoding header says.`;
  } else {
    message = "The request could not be processed.";
  }
  return { status: given, code: codeOfClientStatus(given), message };
}

export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  const handle = createErrorResponder(logger);
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    try {
      handle(err, req, res, next);
    } catch (handlerError) {
      // Never fall through to Express's HTML page, even if mapping the error failed.
      logger.error({ err: handlerError, cause: err }, "error handler failed");
      sendError(res, 500, "internal_error", "An unexpected error occurred. It has been logged.");
    }
  };
}

function createErrorResponder(logger: Logger): ErrorRequestHandler {
  return (err, req, res) => {
    const log = req.log ?? logger;
    if (isDomainError(err)) {
      const status = statusByCode[err.code];
      if (status >= 500) log.error({ err }, "request failed");
      else log.warn({ code: err.code }, err.message);
      return sendError(res, status, err.code, err.message, err.details);
    }
    const clientError = toClientError(err, req);
    if (clientError) {
      // The client's mistake, not ours: a warning without a stack.
      log.warn({ status: clientError.status, code: clientError.code }, clientError.message);
      return sendError(res, clientError.status, clientError.code, clientError.message);
    }
    if (isDatabaseUnavailableError(err)) {
      // Nothing was recorded: the client may safely retry (with the same Idempotency-Key).
      log.error({ err }, "database unavailable");
      res.set("Retry-After", "5");
      return sendError(
        res,
        503,
        "service_unavailable",
        "The service cannot record requests right now. Retry later.",
      );
    }
    log.error({ err }, "unexpected error");
    return sendError(res, 500, "internal_error", "An unexpected error occurred. It has been logged.");
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, 404, "not_found", `No route for ${req.method} ${req.path}.`);
};
