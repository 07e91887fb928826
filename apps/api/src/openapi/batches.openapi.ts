import { batchItemStatuses, listRequestLimits } from "@upsert/domain";
import { z } from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject } from "zod-openapi";
import { accountUpsertRequest } from "./accounts.openapi";
import {
  authenticatedErrors,
  dataResponse,
  errorDetailSchema,
  errorResponses,
  idempotencyKeyHeaderSchema,
  itemEnvelope,
  jsonBodyErrors,
  pathId,
  responseMetaSchema,
} from "./components";
import { contactUpsertRequest } from "./contacts.openapi";
import { jobResponseSchema } from "./jobs.openapi";
import { paginationSchema } from "./lists.openapi";

const batchLinksSchema = z.strictObject({
  self: z.string().meta({ examples: ["/v1/batches/0193…"] }),
  items: z.string().meta({ examples: ["/v1/batches/0193…/items"] }),
});

const batchStatusSchema = z.enum(["queued", "running", "succeeded", "partially_failed", "failed"]).meta({
  description:
    "`queued` until an item has started, `running` until every accepted item's write has finished, then `succeeded` (every item did), `failed` (none did: rejected or its job failed) or `partially_failed`.",
});

const rejectedItemSchema = z
  .strictObject({
    index: z.int().meta({ description: "The item's position in `items`, from 0" }),
    error: errorDetailSchema,
  })
  .meta({ id: "RejectedBatchItem" });

const acceptedBatchSchema = z
  .strictObject({
    batch_id: z.uuid().meta({ description: "Poll `GET /v1/batches/{batch_id}`" }),
    status: batchStatusSchema,
    accepted: z.int().meta({ description: "Items recorded, each a job of its own" }),
    rejected: z.array(rejectedItemSchema).meta({ description: "Every invalid item, with all its problems" }),
    links: batchLinksSchema,
  })
  .meta({ id: "AcceptedBatch" });

const batchSchema = z
  .strictObject({
    id: z.uuid(),
    operation: z.string().meta({ examples: ["contact.upsert", "account.upsert"] }),
    status: batchStatusSchema,
    counts: z.strictObject({
      items: z.int().meta({ description: "Items sent" }),
      accepted: z.int(),
      rejected: z.int(),
      queued: z.int(),
      running: z.int(),
      succeeded: z.int(),
      failed: z.int().meta({ description: "Accepted items whose job failed" }),
      created: z.int().meta({ description: "Among the succeeded: records created" }),
      updated: z.int().meta({ description: "Among the succeeded: records updated" }),
    }),
    created_at: z.iso.datetime(),
    finished_at: z.iso.datetime().nullable().meta({ description: "When the last item's write finished" }),
    links: batchLinksSchema,
  })
  .meta({ id: "BatchResponse" });

const finishedBatchSchema = batchSchema
  .extend({ batch_id: z.uuid(), accepted: z.int(), rejected: z.array(rejectedItemSchema) })
  .meta({ id: "FinishedBatchResponse" });

const batchItemSchema = z
  .strictObject({
    index: z.int(),
    job_id: z
      .uuid()
      .nullable()
      .meta({ description: "The item's job (`GET /v1/jobs/{job_id}`); null if rejected" }),
    status: z.enum(batchItemStatuses),
    result: jobResponseSchema.shape.result,
    error: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
    links: z.strictObject({ job: z.string() }).nullable(),
  })
  .meta({ id: "BatchItem" });

const finishedBatchEnvelope = itemEnvelope("PublicItemResponse_FinishedBatchResponse_", finishedBatchSchema);
const acceptedBatchEnvelope = itemEnvelope("PublicItemResponse_AcceptedBatch_", acceptedBatchSchema);

const batchHeaders = z.object({
  "idempotency-key": idempotencyKeyHeaderSchema.optional(),
  prefer: z
    .string()
    .optional()
    .meta({
      description:
        "`wait=N`: answer 200 with the batch once every accepted item's write has finished within N seconds (capped by PREFER_WAIT_MAX_S), else 202. `respond-async` or none: 202 at once.",
      examples: ["wait=10"],
    }),
});

const itemsLimitHeaders = z.object({
  "x-ratelimit-items-limit": z
    .string()
    .meta({ description: "Batch items per minute the organisation may send" }),
  "x-ratelimit-items-remaining": z.string(),
  "x-ratelimit-items-reset": z
    .string()
    .meta({ description: "Unix seconds when the window next frees items" }),
});

function batchOperation(kind: "contacts" | "accounts"): ZodOpenApiOperationObject {
  const item = kind === "contacts" ? contactUpsertRequest : accountUpsertRequest;
  const name = kind === "contacts" ? "Contacts" : "Accounts";
  return {
    operationId: `batch_upsert_${kind}`,
    tags: ["Batches"],
    summary: `Upsert ${name} in a Batch`,
    description: `Up to BATCH_MAX_ITEMS (default 1,000) bodies of \`PUT /v1/${kind}\`, at most 6 MiB. Each item is validated on its own: invalid ones are listed in \`rejected\` with their index and every problem, valid ones are recorded together (one statement) and each becomes a job, applied as single requests are; items for the same ${kind === "contacts" ? "person" : "domain"} apply in item order. The batch is refused as a whole (422) only when the body is malformed or over the limits. A batch counts as one request against the rate limit, and its items against the organisation's items per minute (default 100,000; 429 \`rate_limited\` over it, nothing recorded). \`idempotency_key\` (or the \`Idempotency-Key\` header) replays the same batch; items cannot carry their own.`,
    requestParams: { header: batchHeaders },
    requestBody: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .strictObject({
              items: z.array(item).min(1),
              idempotency_key: idempotencyKeyHeaderSchema.optional(),
            })
            .meta({ id: `${name}BatchRequest` }),
        },
      },
    },
    responses: {
      "200": dataResponse(
        "With `Prefer: wait=N`: every accepted item finished in time",
        finishedBatchEnvelope,
      ),
      "202": {
        description: "Recorded: the batch, its rejected items, where to poll it",
        headers: z.object({
          location: z.string().meta({ description: "`/v1/batches/{batch_id}`" }),
          "batch-id": z.uuid(),
          "retry-after": z.string(),
          "idempotent-replayed": z.literal("true").optional(),
          ...itemsLimitHeaders.shape,
        }),
        content: {
          "application/json": { schema: acceptedBatchEnvelope },
        },
      },
      ...errorResponses(...jsonBodyErrors, ...authenticatedErrors, 504),
    },
  };
}

export const batchesPaths: ZodOpenApiPathsObject = {
  "/v1/contacts/batch": { post: batchOperation("contacts") },
  "/v1/accounts/batch": { post: batchOperation("accounts") },
  "/v1/batches/{batch_id}": {
    get: {
      operationId: "get_batch",
      tags: ["Batches"],
      summary: "Get a Batch",
      description:
        "The batch's status and its items' counts. With `Prefer: wait=N`, a long poll: answered once every item's write has finished, or after N seconds with the batch as it is.",
      requestParams: {
        path: pathId("batch_id", "The `batch_id` of a 202"),
        header: z.object({
          prefer: z
            .string()
            .optional()
            .meta({ examples: ["wait=10"] }),
        }),
      },
      responses: {
        "200": dataResponse("The batch", itemEnvelope("PublicItemResponse_BatchResponse_", batchSchema)),
        ...errorResponses(404, ...authenticatedErrors),
      },
    },
  },
  "/v1/batches/{batch_id}/items": {
    get: {
      operationId: "list_batch_items",
      tags: ["Batches"],
      summary: "List a Batch's Items",
      description:
        "Every item in index order, accepted (with its job's status and result or error) and rejected alike, paged as Monaco's lists.",
      requestParams: {
        path: pathId("batch_id", "The `batch_id` of a 202"),
        // Integers, as parseBatchItemsQuery reads them (up to nine digits), so that a typed client
        // sends numbers rather than text.
        query: z.object({
          page: z.int().min(1).max(999_999_999).optional().meta({ description: "1-indexed; default 1" }),
          page_size: z
            .int()
            .min(1)
            .max(listRequestLimits.maxPageSize)
            .optional()
            .meta({ description: `Default ${listRequestLimits.defaultPageSize}` }),
          status: z.enum(batchItemStatuses).optional(),
        }),
      },
      responses: {
        "200": dataResponse(
          "One page of items",
          z
            .strictObject({
              data: z.array(batchItemSchema),
              pagination: paginationSchema,
              meta: responseMetaSchema,
            })
            .meta({ id: "PublicListResponse_BatchItem_" }),
        ),
        ...errorResponses(404, 422, ...authenticatedErrors),
      },
    },
  },
};
