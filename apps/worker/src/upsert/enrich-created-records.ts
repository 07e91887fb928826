import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@upsert/config";
import {
  findRequest,
  loadAccountForUpdate,
  loadContactForUpdate,
  type Prisma,
  recordRequestSucceeded,
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
import { loadContactResponse } from "./contact-result";

export interface EnrichDeps {
  prisma: Prisma;
  provider: EnrichmentProvider;
  logger: Logger;
  /** Provider calls per enrichment before it counts as failed. */
  attempts: number;
  signal?: AbortSignal;
}

type StoredResult = Record<string, unknown> & { account_id?: string | null; account_created?: boolean };

type Answer =
  | { ok: true; person: PersonEnrichment | null; company: CompanyEnrichment | null }
  | { ok: false; reason: string };

/**
 * The slow half of a request that created something: ask the provider about the new contact
 * and/or the new account (outside any transaction or lock), then merge what it knows into fields
 * no request has written, and finish the job. The merges check the records' enrichment status
 * under row locks, so a second run changes nothing.
 */
export async function enrichCreatedRecords(deps: EnrichDeps, requestId: string): Promise<void> {
  const request = await findRequest(deps.prisma, requestId);
  if (request?.status !== "running" || !request.contactId) return;
  const payload = request.payload as UpsertContactPayload;
  const stored = (request.result ?? {}) as StoredResult;
  const contactCreated = stored.enrichment === "pending";
  const createdAccountId = stored.account_created && stored.account_id ? stored.account_id : null;
  const createdAccount = createdAccountId
    ? await deps.prisma.account.findUnique({ where: { id: createdAccountId }, select: { domain: true } })
    : null;
  const domain = createdAccount?.domain ?? null;

  const answer = await askProvider(deps, contactCreated ? personQueryOf(payload, domain) : null, domain);
  const context = { provider: deps.provider.name, seq: Number(request.seq) };

  await runInTransaction(deps.prisma, async (tx) => {
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
    // The job's `enrichment` reports on the contact; an update that only created an account
    // keeps "skipped" (its account's enrichment shows on the account).
    const enrichment = !contactCreated
      ? stored.enrichment
      : !answer.ok
        ? "failed"
        : answer.person
          ? "applied"
          : "skipped";
    const contactView = await loadContactResponse(tx, request.orgId, request.contactId as string);
    await recordRequestSucceeded(tx, request.id, {
      ...stored,
      enrichment,
      ...(answer.ok || !contactCreated ? {} : { enrichment_error: answer.reason }),
      contact: contactView,
    });
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

/** Calls the provider with retries and backoff for retryable failures. "No match" is not one. */
async function askProvider(
  deps: EnrichDeps,
  person: PersonQuery | null,
  domain: string | null,
): Promise<Answer> {
  let lastReason = "unknown error";
  for (let attempt = 1; attempt <= deps.attempts; attempt += 1) {
    try {
      deps.logger.info(
        { provider: deps.provider.name, attempt, person: person !== null, domain },
        "enrichment provider called",
      );
      const options = { signal: deps.signal };
      const [personAnswer, company] = await Promise.all([
        person ? deps.provider.enrichPerson(person, options) : null,
        domain ? deps.provider.enrichCompany(domain, options) : null,
      ]);
      return { ok: true, person: personAnswer, company };
    } catch (err) {
      lastReason = err instanceof Error ? err.message : String(err);
      const retryable = !(err instanceof EnrichmentError) || err.retryable;
      deps.logger.warn({ err, attempt, retryable }, "enrichment provider call failed");
      if (!retryable || deps.signal?.aborted) break;
      if (attempt < deps.attempts) await sleep(200 * 2 ** (attempt - 1));
    }
  }
  return { ok: false, reason: lastReason };
}
