import { domainErrorCodes } from "@upsert/domain";
import { z } from "zod";
import type { ZodOpenApiResponseObject, ZodOpenApiResponsesObject } from "zod-openapi";

/**
 * Pieces every resource's operations share: Monaco's envelopes, the error responses, the
 * request headers and the bearer scheme. A resource module (`<resource>.openapi.ts`) describes
 * its operations with these, so a new endpoint is a few lines in its resource's module.
 */

export const bearerSecurityScheme = {
  type: "http",
  scheme: "bearer",
  description:
    "An organisation's API key as a bearer token: `Authorization: Bearer mks_<token>`. Keys are created with `pnpm cli org:create` or `pnpm cli key:create`; the secret is shown once and stored as a SHA-256 hash.",
} as const;

/** Monaco's ResponseMeta. */
export const responseMetaSchema = z
  .strictObject({ timestamp: z.iso.datetime().meta({ description: "Server timestamp of the response" }) })
  .meta({ id: "ResponseMeta" });

/** Monaco's success envelope `{ data, meta }` around `data`, registered as a component `id`. */
export function itemEnvelope<T extends z.ZodType>(id: string, data: T) {
  return z.strictObject({ data, meta: responseMetaSchema }).meta({ id });
}

/** Monaco's ErrorDetail, plus `details` (field problems on a 422, dependency checks on a 503). */
export const errorDetailSchema = z
  .strictObject({
    code: z.string().meta({
      description: `Machine-readable error code. This service's codes: ${[...domainErrorCodes, "rate_limited", "client_error", "internal_error"].join(", ")}.`,
      examples: ["not_found"],
    }),
    message: z
      .string()
      .meta({ description: "Human-readable error message", examples: ["Resource not found"] }),
    details: z
      .union([
        z.array(
          z.strictObject({
            path: z
              .string()
              .meta({ description: "The field (`email`, `tags[3]`), or empty for the whole body" }),
            message: z.string(),
          }),
        ),
        z.record(z.string(), z.unknown()),
      ])
      .optional(),
  })
  .meta({ id: "ErrorDetail" });

/** Monaco's PublicErrorResponse. */
export const errorResponseSchema = z
  .strictObject({ error: errorDetailSchema })
  .meta({ id: "PublicErrorResponse" });

const errorDescriptions = {
  400: "Bad request (`bad_request`): a malformed header or query.",
  401: "Missing, invalid or revoked API key (`unauthorized`).",
  404: "Not found (`not_found`), also for another organisation's resources.",
  409: "Conflict (`conflict`).",
  413: "The body is larger than 256 KiB (`payload_too_large`).",
  415: "The body is not JSON (`unsupported_media_type`).",
  429: "Over the organisation's request rate (`rate_limited`), or too many failed authentications from this address; `Retry-After` says when to try again.",
  422: "Validation failed (`unprocessable_entity`, every problem in `details`) or the idempotency key was reused with another body (`idempotency_key_reused`).",
  500: "Unexpected error (`internal_error`); never carries internals.",
  503: "Postgres or Redis is not answering (`service_unavailable`).",
  504: "The database stopped answering while the request was committed (`outcome_unknown`): retry with the same idempotency key.",
} as const;
export type ErrorStatus = keyof typeof errorDescriptions;

function errorResponse(status: ErrorStatus): ZodOpenApiResponseObject {
  return {
    description: errorDescriptions[status],
    content: { "application/json": { schema: errorResponseSchema } },
  };
}

/** The error responses of an operation, each in the error envelope. */
export function errorResponses(...statuses: ErrorStatus[]): ZodOpenApiResponsesObject {
  return Object.fromEntries(statuses.map((status) => [String(status), errorResponse(status)]));
}

/** Every authenticated operation can answer these. */
export const authenticatedErrors: ErrorStatus[] = [401, 429, 500, 503];
/** And every operation that takes a JSON body these. */
export const jsonBodyErrors: ErrorStatus[] = [400, 413, 415, 422];

/** A 200/201 answer in the success envelope. */
export function dataResponse(description: string, envelope: z.ZodType): ZodOpenApiResponseObject {
  return { description, content: { "application/json": { schema: envelope } } };
}

/** A 204 answer: no body. */
export function noContentResponse(description: string): ZodOpenApiResponseObject {
  return { description };
}

export const idempotencyKeyHeaderSchema = z
  .string()
  .min(1)
  .max(255)
  .meta({
    description:
      "Makes a retry safe: the same key with the same body within 24 hours answers the first request's job (`Idempotent-Replayed: true`); with another body it is a 422 `idempotency_key_reused`. Equivalent to the body field `idempotency_key`.",
    examples: ["c7f1b0f4-2f8e-4d7e-9a57-3a1f4f0a9b21"],
  });

export const preferHeaderSchema = z.string().meta({
  description:
    "RFC 7240 preference. `wait=N`: if the write finishes within N seconds (capped by PREFER_WAIT_MAX_S, default 30), answer as Monaco's synchronous endpoint does (200 with the record, or the job's error), with `Preference-Applied: wait=N` and `Job-Id`; otherwise 202 with the job. `respond-async` (or no preference): 202 at once. Unreadable values are ignored.",
  examples: ["wait=10"],
});

/** Request headers of an asynchronous write. */
export const asyncWriteHeaders = z.object({
  "idempotency-key": idempotencyKeyHeaderSchema.optional(),
  prefer: preferHeaderSchema.optional(),
});

/** A resource id in a path: any UUID (unknown, malformed and other organisations' ids are 404). */
export function pathId(name: string, description: string) {
  return z.object({ [name]: z.string().meta({ description, format: "uuid" }) });
}

/** The 202 body of an accepted (or replayed) write. */
export const acceptedJobSchema = z
  .strictObject({
    job_id: z.uuid().meta({ description: "Poll `GET /v1/jobs/{job_id}` for the outcome" }),
    status: z.string().meta({ examples: ["queued"] }),
    operation: z.string().meta({ examples: ["contact.upsert"] }),
    created_at: z.iso.datetime(),
    links: z.strictObject({ self: z.string().meta({ examples: ["/v1/jobs/3f0c…"] }) }),
  })
  .meta({ id: "AcceptedJob" });

export const acceptedJobEnvelope = itemEnvelope("PublicItemResponse_AcceptedJob_", acceptedJobSchema);

/** The 200 answer of an asynchronous write that finished within `Prefer: wait=N`. */
export function waitedResponse(description: string, envelope: z.ZodType): ZodOpenApiResponseObject {
  return {
    description,
    headers: z.object({
      "preference-applied": z.string().meta({ description: "`wait=N`, N as applied (after the cap)" }),
      "job-id": z.uuid().meta({ description: "The job that wrote it" }),
    }),
    content: { "application/json": { schema: envelope } },
  };
}

/** With `Prefer: wait=N`, a delete written within N seconds answers 204, as Monaco's DELETE does. */
export function waitedDeleteResponse(description: string): ZodOpenApiResponseObject {
  return {
    description,
    headers: z.object({
      "preference-applied": z.string().meta({ description: "`wait=N`, N as applied (after the cap)" }),
      "job-id": z.uuid().meta({ description: "The job that wrote it" }),
    }),
  };
}

/** The 202 answer of every asynchronous write. */
export function acceptedResponse(description: string): ZodOpenApiResponseObject {
  return {
    description,
    headers: z.object({
      location: z.string().meta({ description: "The job: `/v1/jobs/{job_id}`" }),
      "retry-after": z.string().meta({ description: "Seconds to wait before polling the job" }),
      "idempotent-replayed": z
        .literal("true")
        .optional()
        .meta({ description: "Present when an idempotency key replayed an earlier request" }),
    }),
    content: { "application/json": { schema: acceptedJobEnvelope } },
  };
}
