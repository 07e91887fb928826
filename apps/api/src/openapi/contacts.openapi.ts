import { patchContactRequestSchema, upsertContactRequestSchema } from "@upsert/domain";
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

const enrichmentStatusSchema = z.enum(["none", "pending", "applied", "failed", "skipped"]);

const customFieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const customFieldKeyPattern = "^custom_field_[0-9a-fA-F-]{36}$";

/** Monaco's ContactDetailResponse (the fields this service stores) and our `enrichment` block. */
export const contactResponseSchema = z
  .object({
    id: z.uuid(),
    account_id: z.uuid().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    email: z.string().nullable(),
    title: z.string().nullable(),
    phone_number: z.string().nullable().meta({ description: "E.164" }),
    linkedin_url: z.string().nullable(),
    location: z.string().nullable(),
    source: z.string().nullable(),
    do_not_contact: z.boolean(),
    notes: z.null().meta({ description: "Not stored by this service" }),
    tags: z.array(z.string()).meta({ description: "Tag names" }),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    enrichment: z.strictObject({
      status: enrichmentStatusSchema,
      provider: z.string().nullable(),
      enriched_at: z.iso.datetime().nullable(),
      fields: z.array(z.string()).meta({ description: "Fields whose values came from enrichment" }),
    }),
  })
  // Custom field values are top-level `custom_field_<uuid>` keys, as in Monaco.
  .catchall(customFieldValueSchema)
  .meta({
    id: "ContactDetailResponse",
    override: ({ jsonSchema }) => {
      delete jsonSchema.additionalProperties;
      jsonSchema.patternProperties = {
        [customFieldKeyPattern]: { type: ["string", "number", "boolean", "null"] },
      };
      jsonSchema.additionalProperties = false;
    },
  });

export const contactEnvelope = itemEnvelope(
  "PublicItemResponse_ContactDetailResponse_",
  contactResponseSchema,
);

// The request schema is the one `PUT /v1/contacts` validates with; described as its input.
export const contactUpsertRequest = upsertContactRequestSchema.meta({
  id: "ContactUpsertRequest",
  description:
    "Either `email` or `linkedin_url` is required; with only `linkedin_url`, also `account_id` or `domain`. Absent fields are left as they are, `null` clears. Custom field values go in top-level `custom_field_<uuid>` keys. Any other key is a 422.",
  override: ({ jsonSchema }) => {
    delete jsonSchema.additionalProperties;
    jsonSchema.patternProperties = {
      [customFieldKeyPattern]: { type: ["string", "number", "boolean", "null"] },
    };
    jsonSchema.additionalProperties = false;
  },
});

export const contactsPaths: ZodOpenApiPathsObject = {
  "/v1/contacts/list": {
    post: listOperation({
      operationId: "list_contacts",
      tag: "Contacts",
      summary: "List Contacts",
      requestId: "ContactListRequest",
      responseId: "PublicListResponse_ContactResponse_",
      item: contactResponseSchema,
    }),
  },
  "/v1/contacts": {
    put: {
      operationId: "upsert_contact",
      tags: ["Contacts"],
      summary: "Upsert a Contact",
      description:
        "Records the request durably and answers 202 with a job; a worker matches by `email`, then `linkedin_url`, and creates or updates the contact. Requests touching the same person apply in the order they were accepted. Poll `GET /v1/jobs/{job_id}` for the contact.",
      requestParams: { header: asyncWriteHeaders },
      requestBody: { required: true, content: { "application/json": { schema: contactUpsertRequest } } },
      responses: {
        "200": waitedResponse(
          "With `Prefer: wait=N`: the contact, written within N seconds",
          contactEnvelope,
        ),
        "202": acceptedResponse("Accepted: the upsert is queued (or an idempotent replay of one)"),
        ...errorResponses(...jsonBodyErrors, ...authenticatedErrors, 504),
      },
    },
    post: {
      operationId: "create_contact",
      tags: ["Contacts"],
      summary: "Create a Contact",
      description:
        "The upsert's body and asynchronous answer, but it only creates: if a contact with this email or LinkedIn URL exists, the job fails with 409 `conflict` and nothing is written.",
      requestParams: { header: asyncWriteHeaders },
      requestBody: { required: true, content: { "application/json": { schema: contactUpsertRequest } } },
      responses: {
        "200": waitedResponse(
          "With `Prefer: wait=N`: the contact, created within N seconds",
          contactEnvelope,
        ),
        "202": acceptedResponse("Accepted: the create is queued (or an idempotent replay of one)"),
        ...errorResponses(...jsonBodyErrors, 409, ...authenticatedErrors, 504),
      },
    },
  },
  "/v1/contacts/{contact_id}": {
    get: {
      operationId: "get_contact",
      tags: ["Contacts"],
      summary: "Get a Contact",
      requestParams: { path: pathId("contact_id", "The contact's id") },
      responses: {
        "200": dataResponse("The contact", contactEnvelope),
        ...errorResponses(404, ...authenticatedErrors),
      },
    },
    patch: {
      operationId: "update_contact",
      tags: ["Contacts"],
      summary: "Update a Contact",
      description:
        "Sets the fields sent (`null` clears); `tags` replace the contact's tags. Ordered with every other write of the same person; an email or LinkedIn URL another contact has fails the job with 409 `conflict`.",
      requestParams: { path: pathId("contact_id", "The contact's id"), header: asyncWriteHeaders },
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: patchContactRequestSchema.meta({
              id: "ContactUpdateRequest",
              // The upsert's fields without `domain` (refused on a patch: send `account_id`).
              override: ({ jsonSchema }) => {
                delete (jsonSchema.properties as Record<string, unknown> | undefined)?.domain;
              },
            }),
          },
        },
      },
      responses: {
        "200": waitedResponse(
          "With `Prefer: wait=N`: the contact, updated within N seconds",
          contactEnvelope,
        ),
        "202": acceptedResponse("Accepted: the update is queued"),
        ...errorResponses(...jsonBodyErrors, 404, 409, ...authenticatedErrors, 504),
      },
    },
    delete: {
      operationId: "delete_contact",
      tags: ["Contacts"],
      summary: "Delete a Contact",
      description:
        "Deletes the contact and erases its personal data from the intake log, job results and the enrichment answer cache. Ordered with every other write of the same person.",
      requestParams: { path: pathId("contact_id", "The contact's id"), header: asyncWriteHeaders },
      responses: {
        "204": waitedDeleteResponse("With `Prefer: wait=N`: deleted within N seconds"),
        "202": acceptedResponse("Accepted: the delete is queued"),
        ...errorResponses(404, ...authenticatedErrors, 504),
      },
    },
  },
  "/v1/contacts/{contact_id}/enrich": {
    post: {
      operationId: "reenrich_contact",
      tags: ["Contacts"],
      summary: "Enrich a Contact again",
      description:
        "Asks the enrichment provider again (after a failed or stale enrichment). Fill-only: values a caller sent are never overwritten. Asynchronous like the upsert.",
      requestParams: { path: pathId("contact_id", "The contact's id"), header: asyncWriteHeaders },
      responses: {
        "200": waitedResponse(
          "With `Prefer: wait=N`: the contact once the re-enrichment is queued",
          contactEnvelope,
        ),
        "202": acceptedResponse("Accepted: the re-enrichment is queued"),
        ...errorResponses(404, 422, ...authenticatedErrors, 504),
      },
    },
  },
};
