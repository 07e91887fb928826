import type { JobsOptions } from "bullmq";
import { z } from "zod";
import { queueNames } from "./queue-names";

/** The job carries ids only: the request itself is in the Postgres intake log. */
export const upsertContactJobPayloadSchema = z.object({
  v: z.literal(1),
  requestId: z.uuid(),
  orgId: z.uuid(),
});
export type UpsertContactJobPayload = z.infer<typeof upsertContactJobPayloadSchema>;

/** What an intake row asks for (`intake_requests.operation`); the same job runs both. */
export const intakeOperations = {
  /** PUT /v1/contacts */
  upsertContact: "contact.upsert",
  /** POST /v1/contacts/:id/enrich */
  enrichContact: "contact.enrich",
} as const;

export const upsertContactJob = {
  queue: queueNames.upsertContact,
  name: "contact.upsert",
  payloadSchema: upsertContactJobPayloadSchema,
  options: {
    // Transient failures (Postgres or Redis hiccups, provider errors) back off 0.5 s, 1 s, 2 s, ...
    // A job that exhausts them is retried by the dispatcher while its intake row is unfinished.
    attempts: 10,
    backoff: { type: "exponential", delay: 500 },
    // The intake log is the record of results; Redis keeps finished jobs only briefly.
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 24 * 3600 },
  } satisfies JobsOptions,
} as const;
