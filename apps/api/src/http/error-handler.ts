import type { Logger } from "@upsert/config";
import { isDatabaseUnavailableError } from "@upsert/db";
import { type DomainErrorCode, isDomainError } from "@upsert/domain";
import type { ErrorRequestHandler, RequestHandler } from "express";
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
};

/** body-parser's error types, answered in the contract's envelope instead of an HTML page. */
const bodyParserErrors: Record<string, { status: number; code: string; message: string }> = {
  "entity.parse.failed": { status: 400, code: "bad_request", message: "The request body is not valid JSON." },
  "entity.too.large": {
    status: 413,
    code: "payload_too_large",
    message: "The request body is larger than the 256 KiB limit.",
  },
  "encoding.unsupported": {
    status: 415,
    code: "unsupported_media_type",
    message: "Unsupported content encoding.",
  },
  "charset.unsupported": { status: 415, code: "unsupported_media_type", message: "Unsupported charset." },
  "request.aborted": { status: 400, code: "bad_request", message: "The request was aborted." },
};

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
    const type = (err as { type?: unknown }).type;
    const known = typeof type === "string" ? bodyParserErrors[type] : undefined;
    if (known) {
      log.warn({ type }, known.message);
      return sendError(res, known.status, known.code, known.message);
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
