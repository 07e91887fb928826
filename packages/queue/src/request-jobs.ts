import type { JobsOptions } from "bullmq";
import { z } from "zod";
import { queueNames } from "./queue-names";

/** Both queues' jobs carry ids only: the request itself is in the Postgres intake log. */
export const requestJobPayloadSchema = z.object({
  v: z.literal(1),
  requestId: z.uuid(),
  orgId: z.uuid(),
});
export type RequestJobPayload = z.infer<typeof requestJobPayloadSchema>;

/** What an intake row asks for (`intake_requests.operation`); the same jobs run both. */
export const intakeOperations = {
  /** PUT /v1/contacts */
  upsertContact: "contact.upsert",
  /** POST /v1/contacts/:id/enrich */
  enrichContact: "contact.enrich",
  /** PUT /v1/accounts */
  upsertAccount: "account.upsert",
  /** POST /v1/contacts: an upsert that fails with `conflict` when the person exists */
  createContact: "contact.create",
  /** PATCH /v1/contacts/:id */
  patchContact: "contact.patch",
  /** DELETE /v1/contacts/:id (with the erasure of the contact's personal data) */
  deleteContact: "contact.delete",
  /** PATCH /v1/accounts/:id */
  patchAccount: "account.patch",
  /** DELETE /v1/accounts/:id */
  deleteAccount: "account.delete",
} as const;

const requestJobOptions = {
  // Transient failures (Postgres or Redis hiccups, provider errors) back off 0.5 s, 1 s, 2 s, ...
  // A job that exhausts them is retried by the dispatcher while its intake row still needs it.
  attempts: 10,
  backoff: { type: "exponential", delay: 500 },
  // The intake log is the record of results; Redis keeps finished jobs only briefly.
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 24 * 3600 },
} satisfies JobsOptions;

export interface RequestJobSpec {
  queue: string;
  name: string;
  options: JobsOptions;
}

/** The write: match, resolve the account, create or update (job id = request id). */
export const upsertContactJob = {
  queue: queueNames.upsertContact,
  name: "contact.upsert",
  options: requestJobOptions,
} as const satisfies RequestJobSpec;

/**
 * The provider call and merge for what a written request created, queued by the write's worker
 * (job id = request id), so retries and deferrals of enrichment never redo the write.
 */
export const enrichContactJob = {
  queue: queueNames.enrichContact,
  name: "contact.enrichment",
  options: requestJobOptions,
} as const satisfies RequestJobSpec;
