import {
  type IntakeRecord,
  loadAccountByDomain,
  type Pool,
  writeAccountUpsert as writeAccountUpsertStatement,
} from "@upsert/db";
import {
  accountIdKeyOf,
  accountUpsertJobResult,
  planAccountUpsert,
  toAccountResponse,
  type UpsertAccountPayload,
} from "@upsert/domain";
import { v7 as uuidv7 } from "uuid";
import { type OrderedWriteOptions, runOrderedWrite, type WriteOutcome } from "./ordered-write";

/**
 * The write of a `PUT /v1/accounts` request, ordered by its keys (its domain, and
 * `account:<domain>`, which orders account upserts of a domain by acceptance): update the
 * domain's account in place or create it (a created account is owed enrichment).
 */
export function writeAccountUpsert(
  pool: Pool,
  request: IntakeRecord,
  options: OrderedWriteOptions,
): Promise<WriteOutcome> {
  const payload = request.payload as UpsertAccountPayload;
  return runOrderedWrite(request, options, async (ordered) => {
    const existing = await loadAccountByDomain(pool, request.orgId, payload.domain);
    const plan = planAccountUpsert(existing?.record ?? null, { seq: Number(request.seq), payload }, uuidv7());
    const now = new Date();
    const account = toAccountResponse({
      record: plan.record,
      createdAt: existing ? new Date(existing.row.created_at) : now,
      updatedAt: now,
      enrichedAt: existing?.row.enriched_at ? new Date(existing.row.enriched_at) : null,
    });
    const outcome = await writeAccountUpsertStatement(pool, {
      // The account found by domain: ordered with PATCH and DELETE requests addressed to it.
      ordered: ordered(existing ? [accountIdKeyOf(existing.record.id)] : []),
      domain: payload.domain,
      version: existing?.version ?? null,
      account: plan.record,
      isNew: plan.action === "created",
      result: accountUpsertJobResult(plan.action, account),
      now,
    });
    const keys = existing ? [accountIdKeyOf(existing.record.id)] : [];
    return { outcome, owesEnrichment: plan.action === "created", keys };
  });
}
