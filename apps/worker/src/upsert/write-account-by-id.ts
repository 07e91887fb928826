import {
  type IntakeRecord,
  loadAccountById,
  type Pool,
  writeAccountById as writeAccountByIdStatement,
} from "@upsert/db";
import {
  type AccountRecord,
  accountIdKeyOf,
  accountUpsertJobResult,
  accountUpsertKeysOf,
  deletedJobResult,
  type PatchAccountPayload,
  planAccountUpsert,
  toAccountResponse,
} from "@upsert/domain";
import { type OrderedWriteOptions, runOrderedWrite, type WriteOutcome } from "./ordered-write";

const notFound = { code: "not_found", message: "No account with this id." };

/**
 * Besides `account-id:<id>` (the request's own key), the account's domain keys as they are now:
 * `account:<domain>` orders it with `PUT /v1/accounts` of that domain, and `domain:<domain>` is
 * the lock contact requests take before they create or attach to the domain's account.
 */
function keysOfStored(accountId: string, stored: { record: AccountRecord } | null): string[] {
  const domain = stored?.record.domain;
  return [accountIdKeyOf(accountId), ...(domain ? accountUpsertKeysOf(domain) : [])];
}

/**
 * The write of an `account.patch` (PATCH /v1/accounts/:id) or `account.delete` (DELETE
 * /v1/accounts/:id) request: read the account, then write in one statement that checks it is
 * unchanged. A patch sets the fields as `PUT /v1/accounts` does (request provenance, so enrichment
 * never overwrites them); a delete leaves the account's contacts, their account cleared. A missing
 * account fails the request with `not_found`.
 */
export function writeAccountById(
  action: "patch" | "delete",
): (pool: Pool, request: IntakeRecord, options: OrderedWriteOptions) => Promise<WriteOutcome> {
  return (pool, request, options) => {
    const { account_id: accountId, ...payload } = request.payload as PatchAccountPayload & {
      account_id: string;
    };
    return runOrderedWrite(request, options, async (ordered) => {
      const stored = await loadAccountById(pool, request.orgId, accountId);
      const keys = keysOfStored(accountId, stored);
      const now = new Date();
      const write = { ordered: ordered(keys), accountId, version: stored?.version ?? null, now };
      if (!stored) {
        const outcome = await writeAccountByIdStatement(pool, write, { action: "fail", error: notFound });
        return { outcome, owesEnrichment: false, keys };
      }
      if (action === "delete") {
        const result = deletedJobResult({ account_id: accountId });
        const outcome = await writeAccountByIdStatement(pool, write, { action: "delete", result });
        return { outcome, owesEnrichment: false, keys };
      }
      const plan = planAccountUpsert(
        stored.record,
        { seq: Number(request.seq), payload: { ...payload, domain: stored.record.domain ?? "" } },
        accountId,
      );
      const account = toAccountResponse({
        record: plan.record,
        createdAt: new Date(stored.row.created_at),
        updatedAt: now,
        enrichedAt: stored.row.enriched_at ? new Date(stored.row.enriched_at) : null,
      });
      const outcome = await writeAccountByIdStatement(pool, write, {
        action: "patch",
        account: plan.record,
        result: accountUpsertJobResult("updated", account),
      });
      return { outcome, owesEnrichment: false, keys };
    });
  };
}
