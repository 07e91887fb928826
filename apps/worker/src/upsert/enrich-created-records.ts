import type { Logger } from "@upsert/config";
import {
  findRequest,
  loadAccountForUpdate,
  loadContactForUpdate,
  lockIntakeRequest,
  type Prisma,
  recordEnrichmentFinished,
  runInTransaction,
  saveAccountEnrichment,
  saveContactEnrichment,
} from "@upsert/db";
import {
  type AccountRecord,
  markEnrichmentNotApplied,
  mergeAccountEnrichment,
  mergeContactEnrichment,
  type UpsertContactPayload,
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
import { loadAccountResponse, loadContactResponse } from "./record-views";

export interface EnrichDeps {
  prisma: Prisma;
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

type StoredResult = Record<string, unknown> & { account_id?: string | null; account_created?: boolean };

type Answer =
  | { ok: true; person: PersonEnrichment | null; company: CompanyEnrichment | null }
  | { ok: false; reason: string; retryable: boolean; retryAfterMs?: number };

/**
 * The enrichment job of a written request that created something: ask the provider about the new
 * contact and/or the new account (outside any transaction or lock), then merge what it knows into
 * fields no request has written, and record how it went on the request. The merges check the
 * records' enrichment status under row locks, and the request's own row says whether enrichment
 * is still owed, so a second run changes nothing.
 */
export async function enrichCreatedRecords(
  deps: EnrichDeps,
  requestId: string,
): Promise<Extract<RequestJobOutcome, { kind: "done" | "defer" }>> {
  const request = await findRequest(deps.prisma, requestId);
  if (!request?.enrichmentDueAt) return { kind: "done" };
  const payload = request.payload as UpsertContactPayload;
  const stored = (request.result ?? {}) as StoredResult;
  // A contact request's `enrichment` is about its contact; an account upsert's about its account.
  const forAccount = request.operation === intakeOperations.upsertAccount;
  const contactCreated = !forAccount && request.contactId !== null && stored.enrichment === "pending";
  const createdAccountId = stored.account_created && stored.account_id ? stored.account_id : null;
  const createdAccount = createdAccountId
    ? await deps.prisma.account.findUnique({ where: { id: createdAccountId }, select: { domain: true } })
    : null;
  const domain = createdAccount?.domain ?? null;

  const person = contactCreated ? personQueryOf(payload, domain) : null;
  const reported = forAccount || contactCreated; // whether the job's `enrichment` is about to change
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
  const context = { provider: deps.provider.name, seq: Number(request.seq) };

  await runInTransaction(deps.prisma, async (tx) => {
    // A run that lost its job to another may get here second: the first one's record stands.
    if (!(await lockIntakeRequest(tx, request.id))?.enrichmentDueAt) return;
    const contact = contactCreated ? await loadContactForUpdate(tx, request.contactId as string) : null;
    if (contact && contact.enrichmentStatus === "pending") {
      if (answer.ok && answer.person) {
        const merged = mergeContactEnrichment(contact, answer.person, context);
        await saveContactEnrichment(tx, merged.contact, { filledFields: merged.filledFields, error: null });
      } else {
        const status = answer.ok ? "skipped" : "failed";
        await saveContactEnrichment(tx, markEnrichmentNotApplied(contact, status, deps.provider.name), {
          filledFields: [],
          error: answer.ok ? null : answer.reason,
        });
      }
    }
    if (createdAccountId) {
      const account = await loadAccountForUpdate(tx, createdAccountId);
      if (account?.enrichmentStatus === "pending")
        await enrichAccount(tx, account, answer, context, deps.provider.name);
    }
    // The job's `enrichment` reports on the contact (on the account for an account upsert); a
    // contact update that only created an account keeps "skipped" (it shows on the account).
    const found = answer.ok && (forAccount ? answer.company : answer.person);
    const enrichment = !reported ? stored.enrichment : !answer.ok ? "failed" : found ? "applied" : "skipped";
    await recordEnrichmentFinished(tx, request.id, {
      ...stored,
      enrichment,
      ...(answer.ok || !reported ? {} : { enrichment_error: answer.reason }),
      ...(forAccount
        ? { account: await loadAccountResponse(tx, request.orgId, createdAccountId ?? "") }
        : { contact: await loadContactResponse(tx, request.orgId, request.contactId ?? "") }),
    });
  });
  return { kind: "done" };
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

async function enrichAccount(
  tx: Parameters<typeof saveAccountEnrichment>[0],
  account: AccountRecord,
  answer: Answer,
  context: { provider: string; seq: number },
  provider: string,
) {
  if (answer.ok && answer.company) {
    await saveAccountEnrichment(tx, mergeAccountEnrichment(account, answer.company, context).account, {
      error: null,
    });
  } else {
    await saveAccountEnrichment(
      tx,
      markEnrichmentNotApplied(account, answer.ok ? "skipped" : "failed", provider),
      {
        error: answer.ok ? null : answer.reason,
      },
    );
  }
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
