import type { Logger } from "@upsert/config";
import { applyEnrichment, type EnrichmentWork, loadEnrichmentWork, type Pool } from "@upsert/db";
import {
  type AccountRecord,
  type ContactRecord,
  jobResultSchema,
  markEnrichmentNotApplied,
  mergeAccountEnrichment,
  mergeContactEnrichment,
  toAccountResponse,
  toContactResponse,
  type UpsertContactPayload,
  withEnrichmentOutcome,
} from "@upsert/domain";
import {
  type CompanyEnrichment,
  EnrichmentError,
  type EnrichmentProvider,
  type PersonEnrichment,
  type PersonQuery,
} from "@upsert/enrichment";
import { intakeOperations } from "@upsert/queue";
import type { OrgBudget } from "../enrichment-quota";
import type { RequestJobOutcome } from "../processors/request-job.processor";

export interface EnrichDeps {
  pool: Pool;
  /** Retries, timeouts and the circuit breaker live in the provider (see withResilience). */
  provider: EnrichmentProvider;
  logger: Logger;
  /**
   * While the provider is unavailable (breaker open, outage, long Retry-After) enrichment is
   * deferred, not failed, for at most this long after the write.
   */
  deferForMs: number;
  /** The per-organisation budget of provider calls, when one is configured. */
  budget?: OrgBudget;
  signal?: AbortSignal;
}

/** When the provider gives no time to come back: how long a deferred enrichment waits. */
const defaultDeferMs = 30_000;
/** A merge that keeps finding its records changed (a busy contact) gives up and the job retries. */
const maxMergeRounds = 5;

type Answer =
  | { ok: true; person: PersonEnrichment | null; company: CompanyEnrichment | null }
  | { ok: false; reason: string; retryable: boolean; retryAfterMs?: number };

/**
 * The enrichment job of a written request that created something: ask the provider about the new
 * contact and/or the new account (outside any transaction or lock), then merge what it knows into
 * fields no request has written, and record how it went on the request. The merge is recorded in
 * one statement that checks, under the intake row's lock, that enrichment is still owed and that
 * the records are the versions it merged into, so a second run changes nothing and a concurrent
 * update is never overwritten (the merge is then redone on the fresh records).
 */
export async function enrichCreatedRecords(
  deps: EnrichDeps,
  requestId: string,
): Promise<Extract<RequestJobOutcome, { kind: "done" | "defer" }>> {
  let work = await loadEnrichmentWork(deps.pool, requestId);
  if (!work?.request.enrichmentDueAt) return { kind: "done" };
  const { request } = work;
  const payload = request.payload as UpsertContactPayload;
  // A contact request's `enrichment` is about its contact; an account upsert's about its account.
  const forAccount = request.operation === intakeOperations.upsertAccount;
  const contactOwed = work.target.contactId !== null;
  const domain = work.account?.record.domain ?? null;
  const person = contactOwed ? personQueryOf(payload, domain) : null;
  const reported = forAccount || contactOwed; // whether the job's `enrichment` is about to change
  const calls = (person ? 1 : 0) + (domain ? 1 : 0);
  const mayDefer = Date.now() - (request.writtenAt?.getTime() ?? Date.now()) < deps.deferForMs;
  const refillMs = deps.budget ? await deps.budget.reserve(request.orgId, calls) : 0;
  let answer: Answer;
  if (refillMs > 0) {
    const reason = `the organisation's enrichment budget of ${deps.budget?.limit} provider calls is spent`;
    answer = { ok: false, reason, retryable: true, retryAfterMs: refillMs };
  } else {
    // A re-enrichment (POST /v1/contacts/:id/enrich) wants the provider's current answer.
    answer = await askProvider(
      deps,
      request.orgId,
      person,
      domain,
      request.operation === intakeOperations.enrichContact,
    );
  }
  if (!answer.ok && answer.retryable && mayDefer) {
    // The records stay `pending`; the job comes back later and asks again, with a new reservation.
    if (refillMs === 0) await deps.budget?.refund(request.orgId, calls);
    return {
      kind: "defer",
      delayMs: answer.retryAfterMs ?? defaultDeferMs,
      reason: answer.reason,
      cause: refillMs > 0 ? "budget" : "provider",
    };
  }
  const merge = { answer, provider: deps.provider.name, seq: Number(request.seq), forAccount, reported };
  for (let round = 0; round < maxMergeRounds; round += 1) {
    const now = new Date();
    const outcome = await applyEnrichment(deps.pool, { requestId, ...mergeInto(work, merge, now), now });
    if (outcome !== "stale") return { kind: "done" };
    // A write changed the contact or account since it was read: merge into the fresh state.
    work = await loadEnrichmentWork(deps.pool, requestId);
    if (!work?.request.enrichmentDueAt) return { kind: "done" };
  }
  throw new Error(`the records of request ${requestId} kept changing during the enrichment merge; retrying`);
}

/** The merged records (only those still pending) and the request's new result. */
function mergeInto(
  work: EnrichmentWork,
  merge: { answer: Answer; provider: string; seq: number; forAccount: boolean; reported: boolean },
  now: Date,
) {
  const { answer, provider } = merge;
  const context = { provider, seq: merge.seq };
  let contact: {
    record: ContactRecord;
    version: string;
    filledFields: string[];
    error: string | null;
  } | null = null;
  if (work.target.contactId !== null && work.contact?.record.enrichmentStatus === "pending") {
    const { version } = work.contact;
    if (answer.ok && answer.person) {
      const merged = mergeContactEnrichment(work.contact.record, answer.person, context);
      contact = { record: merged.contact, version, filledFields: merged.filledFields, error: null };
    } else {
      const status = answer.ok ? "skipped" : "failed";
      const record = markEnrichmentNotApplied(work.contact.record, status, provider);
      contact = { record, version, filledFields: [], error: answer.ok ? null : answer.reason };
    }
  }
  let account: { record: AccountRecord; version: string; error: string | null } | null = null;
  if (work.account && work.account.record.enrichmentStatus === "pending") {
    const { version } = work.account;
    const record =
      answer.ok && answer.company
        ? mergeAccountEnrichment(work.account.record, answer.company, context).account
        : markEnrichmentNotApplied(work.account.record, answer.ok ? "skipped" : "failed", provider);
    account = { record, version, error: answer.ok ? null : answer.reason };
  }

  const found = answer.ok && (merge.forAccount ? answer.company : answer.person);
  const stored = jobResultSchema.parse(work.request.result);
  const result = withEnrichmentOutcome(stored, {
    reported: merge.reported,
    outcome: !answer.ok ? "failed" : found ? "applied" : "skipped",
    ...(answer.ok ? {} : { error: answer.reason }),
    ...(merge.forAccount
      ? { account: accountView(work, account, now) }
      : { contact: contactView(work, contact, now) }),
  });
  return { contact, account, result };
}

/** The contact as it will be once the merge commits (as stored when the merge leaves it alone). */
function contactView(
  work: EnrichmentWork,
  merged: { record: ContactRecord; filledFields: string[]; error: string | null } | null,
  now: Date,
) {
  if (!work.contact) return null;
  const { row, tagNames } = work.contact;
  return toContactResponse({
    record: merged?.record ?? work.contact.record,
    source: row.source,
    tagNames,
    createdAt: new Date(row.created_at),
    updatedAt: merged ? now : new Date(row.updated_at),
    enrichedAt: merged ? now : row.enriched_at ? new Date(row.enriched_at) : null,
    enrichedFields: merged ? merged.filledFields : (row.enriched_fields ?? []),
    enrichmentError: merged ? merged.error : row.enrichment_error,
  });
}

function accountView(work: EnrichmentWork, merged: { record: AccountRecord } | null, now: Date) {
  if (!work.account) return null;
  const { row } = work.account;
  return toAccountResponse({
    record: merged?.record ?? work.account.record,
    createdAt: new Date(row.created_at),
    updatedAt: merged ? now : new Date(row.updated_at),
    enrichedAt: merged ? now : row.enriched_at ? new Date(row.enriched_at) : null,
  });
}

function personQueryOf(payload: UpsertContactPayload, domain: string | null): PersonQuery {
  // The contact as its create request wrote it: the same question whenever the job runs, so the
  // result does not depend on requests that came after (the serial model asks the same).
  return {
    email: payload.email ?? null,
    linkedinUrl: payload.linkedin_url ?? null,
    firstName: payload.first_name ?? null,
    lastName: payload.last_name ?? null,
    domain,
  };
}

/** Asks the provider about the new person and/or company. "No match" is an answer, not a failure. */
async function askProvider(
  deps: EnrichDeps,
  orgId: string,
  person: PersonQuery | null,
  domain: string | null,
  fresh: boolean,
): Promise<Answer> {
  deps.logger.debug({ provider: deps.provider.name, person: person !== null, domain }, "enriching");
  const options = { signal: deps.signal, fresh, orgId };
  try {
    const [personAnswer, company] = await Promise.all([
      person ? deps.provider.enrichPerson(person, options) : null,
      domain ? deps.provider.enrichCompany(domain, options) : null,
    ]);
    return { ok: true, person: personAnswer, company };
  } catch (err) {
    if (deps.signal?.aborted) throw err;
    const retryable = !(err instanceof EnrichmentError) || err.retryable;
    deps.logger.warn({ err, retryable }, "enrichment provider call failed");
    return {
      ok: false,
      reason: err instanceof Error ? err.message : String(err),
      retryable,
      retryAfterMs: err instanceof EnrichmentError ? err.retryAfterMs : undefined,
    };
  }
}
