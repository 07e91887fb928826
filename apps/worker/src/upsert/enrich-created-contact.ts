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
 * The slow half of a create: ask the provider (outside any transaction or lock), then merge what
 * it knows into fields no request has written, and finish the job. The merge checks the
 * contact's enrichment status under a row lock, so a second run changes nothing.
 */
export async function enrichCreatedContact(deps: EnrichDeps, requestId: string): Promise<void> {
  const request = await findRequest(deps.prisma, requestId);
  if (request?.status !== "running" || !request.contactId) return;
  const payload = request.payload as UpsertContactPayload;
  const stored = (request.result ?? {}) as StoredResult;
  const createdAccountId = stored.account_created && stored.account_id ? stored.account_id : null;
  const createdAccount = createdAccountId
    ? await deps.prisma.account.findUnique({ where: { id: createdAccountId }, select: { domain: true } })
    : null;

  const answer = await askProvider(deps, payload, createdAccount?.domain ?? null);
  const context = { provider: deps.provider.name, seq: Number(request.seq) };

  await runInTransaction(deps.prisma, async (tx) => {
    const contact = await loadContactForUpdate(tx, request.contactId as string);
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
    const enrichment = !answer.ok ? "failed" : answer.person ? "applied" : "skipped";
    const contactView = await loadContactResponse(tx, request.orgId, request.contactId as string);
    await recordRequestSucceeded(tx, request.id, {
      ...stored,
      enrichment,
      ...(answer.ok ? {} : { enrichment_error: answer.reason }),
      contact: contactView,
    });
  });
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
  payload: UpsertContactPayload,
  domain: string | null,
): Promise<Answer> {
  let lastReason = "unknown error";
  for (let attempt = 1; attempt <= deps.attempts; attempt += 1) {
    try {
      deps.logger.info({ provider: deps.provider.name, attempt }, "enrichment provider called");
      const person = await deps.provider.enrichPerson(
        {
          email: payload.email ?? null,
          linkedinUrl: payload.linkedin_url ?? null,
          firstName: payload.first_name ?? null,
          lastName: payload.last_name ?? null,
          domain,
        },
        { signal: deps.signal },
      );
      const company = domain ? await deps.provider.enrichCompany(domain, { signal: deps.signal }) : null;
      return { ok: true, person, company };
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
