import { z } from "zod";
import type { AccountResponse } from "../accounts/account-response";
import type { ContactResponse } from "../contacts/contact-response";
import type { UpsertResult } from "../contacts/plan-upsert";

/**
 * How a request's enrichment went, as its job result reports it: `pending` until its enrichment
 * job has run, `skipped` when nothing was owed (an update) or the provider knew nothing.
 */
export const enrichmentOutcomeSchema = z.enum(["pending", "skipped", "applied", "failed"]);
export type EnrichmentOutcome = z.infer<typeof enrichmentOutcomeSchema>;

/**
 * The `result` of a finished request (`GET /v1/jobs/:id`), stored on its intake row: for a
 * contact upsert the plan's outcome (rule 6) and the contact as written; for an account upsert the
 * account; for a re-enrichment the contact's id. `enrichment` reports on the contact (on the
 * account for an account upsert) and changes once, when the enrichment job has run.
 */
export const jobResultSchema = z.looseObject({
  action: z.enum(["created", "updated", "enrich", "deleted"]),
  enrichment: enrichmentOutcomeSchema,
  enrichment_error: z.string().optional(),
  contact_id: z.string().optional(),
  account_id: z.string().nullable().optional(),
  account_created: z.boolean().optional(),
  /** The ContactResponse / AccountResponse as of the last write or enrichment. */
  contact: z.unknown().optional(),
  account: z.unknown().optional(),
  /** The request's personal data was erased with its contact (DELETE /v1/contacts/:id). */
  erased: z.literal(true).optional(),
});
export type JobResult = z.infer<typeof jobResultSchema>;

/** A contact upsert's result as its write records it: enrichment pending when it created the contact. */
export function contactUpsertJobResult(
  result: UpsertResult,
  contact: ContactResponse,
  enrichmentOwed: boolean,
): JobResult {
  return { ...result, enrichment: enrichmentOwed ? "pending" : "skipped", contact };
}

/** A contact patch's result: the contact as written; nothing is owed to enrichment. */
export function contactPatchJobResult(contact: ContactResponse): JobResult {
  return {
    action: "updated",
    contact_id: contact.id,
    account_id: contact.account_id,
    enrichment: "skipped",
    contact,
  };
}

/** A delete's result (contact or account): nothing of the record is kept to show. */
export function deletedJobResult(ids: { contact_id: string } | { account_id: string }): JobResult {
  return { action: "deleted", ...ids, enrichment: "skipped" };
}

/** An account upsert's result as its write records it. */
export function accountUpsertJobResult(action: "created" | "updated", account: AccountResponse): JobResult {
  return {
    action,
    account_id: account.id,
    account_created: action === "created",
    enrichment: action === "created" ? "pending" : "skipped",
    account,
  };
}

/**
 * The result once the enrichment job has run: the outcome (with the provider's reason when it
 * failed) and the record as it is now. `reported` false: the outcome is about a record the
 * result does not report on (a contact update that created an account), so it stays as it was.
 */
export function withEnrichmentOutcome(
  result: JobResult,
  update: {
    reported: boolean;
    outcome: EnrichmentOutcome;
    error?: string;
    contact?: ContactResponse | null;
    account?: AccountResponse | null;
  },
): JobResult {
  const next: JobResult = { ...result };
  if (update.reported) {
    next.enrichment = update.outcome;
    if (update.error !== undefined) next.enrichment_error = update.error;
  }
  if (update.contact !== undefined) next.contact = update.contact;
  if (update.account !== undefined) next.account = update.account;
  return next;
}
