import { patchAccountRequestSchema, upsertAccountRequestSchema } from "@upsert/domain";
import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import {
  acceptedResponse,
  asyncWriteHeaders,
  authenticatedErrors,
  dataResponse,
  errorResponses,
  itemEnvelope,
  jsonBodyErrors,
  pathId,
  waitedDeleteResponse,
  waitedResponse,
} from "./components";
import { listOperation } from "./lists.openapi";

/** Monaco's AccountResponse (`owner` and funding are not stored: null) and our `enrichment` block. */
export const accountResponseSchema = z
  .strictObject({
    id: z.uuid(),
    name: z.string().nullable(),
    status: z.string().nullable(),
    owner: z.null(),
    notes: z.string().nullable(),
    company: z.strictObject({
      domain: z.string().nullable(),
      linkedin_url: z.string().nullable(),
      description: z.string().nullable(),
      employee_count: z.number().int().nullable(),
      founded_year: z.number().int().nullable(),
      industries: z.array(z.string()),
      total_funding_usd: z.null(),
      last_funding_date: z.null(),
    }),
    tags: z.array(z.string()),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    enrichment: z.strictObject({
      status: z.enum(["none", "pending", "applied", "failed", "skipped"]),
      provider: z.string().nullable(),
      enriched_at: z.iso.datetime().nullable(),
    }),
  })
  .meta({ id: "AccountDetailResponse" });

export const accountEnvelope = itemEnvelope(
  "PublicItemResponse_AccountDetailResponse_",
  accountResponseSchema,
);

// The schema `PUT /v1/accounts` validates with; it refuses unknown keys itself (catchall + refine).
export const accountUpsertRequest = upsertAccountRequestSchema.meta({
  id: "AccountUpsertRequest",
  override: ({ jsonSchema }) => {
    jsonSchema.additionalProperties = false;
  },
});

export const accountsPaths: ZodOpenApiPathsObject = {
  "/v1/accounts/list": {
    post: listOperation({
      operationId: "list_accounts",
      tag: "Accounts",
      summary: "List Accounts",
      requestId: "AccountListRequest",
      responseId: "PublicListResponse_AccountResponse_",
      item: accountResponseSchema,
    }),
  },
  "/v1/accounts": {
    put: {
      operationId: "upsert_account",
      tags: ["Accounts"],
      summary: "Upsert an Account",
      description:
        "Matches by registrable domain (`www.eu.acme.co.uk` is `acme.co.uk`); creates (and enriches) or updates. Asynchronous: 202 with a job.",
      requestParams: { header: asyncWriteHeaders },
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: accountUpsertRequest },
        },
      },
      responses: {
        "200": waitedResponse(
          "With `Prefer: wait=N`: the account, written within N seconds",
          accountEnvelope,
        ),
        "202": acceptedResponse("Accepted: the account upsert is queued (or an idempotent replay of one)"),
        ...errorResponses(...jsonBodyErrors, ...authenticatedErrors, 504),
      },
    },
  },
  "/v1/accounts/{account_id}": {
    get: {
      operationId: "get_account",
      tags: ["Accounts"],
      summary: "Get an Account",
      requestParams: { path: pathId("account_id", "The account's id") },
      responses: {
        "200": dataResponse("The account", accountEnvelope),
        ...errorResponses(404, ...authenticatedErrors),
      },
    },
    patch: {
      operationId: "update_account",
      tags: ["Accounts"],
      summary: "Update an Account",
      description:
        "Sets `name`, `linkedin_url`, `status` or `notes` (`null` clears); the domain cannot be changed.",
      requestParams: { path: pathId("account_id", "The account's id"), header: asyncWriteHeaders },
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: patchAccountRequestSchema.meta({ id: "AccountUpdateRequest" }) },
        },
      },
      responses: {
        "200": waitedResponse(
          "With `Prefer: wait=N`: the account, updated within N seconds",
          accountEnvelope,
        ),
        "202": acceptedResponse("Accepted: the update is queued"),
        ...errorResponses(...jsonBodyErrors, 404, ...authenticatedErrors, 504),
      },
    },
    delete: {
      operationId: "delete_account",
      tags: ["Accounts"],
      summary: "Delete an Account",
      description: "Deletes the account; its contacts keep living, with `account_id` cleared.",
      requestParams: { path: pathId("account_id", "The account's id"), header: asyncWriteHeaders },
      responses: {
        "204": waitedDeleteResponse("With `Prefer: wait=N`: deleted within N seconds"),
        "202": acceptedResponse("Accepted: the delete is queued"),
        ...errorResponses(404, ...authenticatedErrors, 504),
      },
    },
  },
};
