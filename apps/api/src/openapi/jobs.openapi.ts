import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { authenticatedErrors, dataResponse, errorResponses, itemEnvelope, pathId } from "./components";

/** `GET /v1/jobs/{job_id}`: an accepted write's state and, once finished, its result or error. */
export const jobResponseSchema = z
  .strictObject({
    id: z.uuid(),
    operation: z.string().meta({ examples: ["contact.upsert", "account.upsert", "contact.reenrich"] }),
    status: z.string().meta({ examples: ["queued", "running", "succeeded", "failed"] }),
    stage: z.string().nullable().meta({ description: "What a running job is doing; null otherwise" }),
    attempts: z.number().int(),
    created_at: z.iso.datetime(),
    started_at: z.iso.datetime().nullable(),
    finished_at: z.iso.datetime().nullable(),
    result: z
      .looseObject({
        action: z.enum(["created", "updated", "enrich"]),
        enrichment: z.enum(["pending", "skipped", "applied", "failed"]),
        contact_id: z.uuid().optional(),
        account_id: z.uuid().nullable().optional(),
        account_created: z.boolean().optional(),
        contact: z.unknown().optional().meta({ description: "The ContactDetailResponse as written" }),
        account: z.unknown().optional().meta({ description: "The AccountDetailResponse as written" }),
      })
      .nullable(),
    error: z
      .looseObject({ code: z.string(), message: z.string() })
      .nullable()
      .meta({ description: "Why a failed job failed, in the error envelope's terms" }),
    links: z.strictObject({ self: z.string() }),
  })
  .meta({ id: "JobResponse" });

export const jobEnvelope = itemEnvelope("PublicItemResponse_JobResponse_", jobResponseSchema);

export const jobsPaths: ZodOpenApiPathsObject = {
  "/v1/jobs/{job_id}": {
    get: {
      operationId: "get_job",
      tags: ["Jobs"],
      summary: "Get a Job",
      description:
        "The state of an accepted write: `queued`, `running`, then `succeeded` (with `result`) or `failed` (with `error`).",
      requestParams: {
        path: pathId("job_id", "The `job_id` of a 202"),
        header: z.object({
          prefer: z
            .string()
            .optional()
            .meta({
              description:
                "`wait=N` (RFC 7240; N capped by PREFER_WAIT_MAX_S, default 30): a long poll. The job is answered as soon as its write has finished, or as it is after N seconds, with `Preference-Applied: wait=N`.",
              examples: ["wait=30"],
            }),
        }),
      },
      responses: {
        "200": dataResponse("The job", jobEnvelope),
        ...errorResponses(404, ...authenticatedErrors),
      },
    },
  },
};
