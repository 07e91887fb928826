import {
  findNextUnwrittenRequests,
  hasEarlierUnwrittenRequest,
  type IntakeRecord,
  insertAccount,
  loadAccountByDomainForUpdate,
  lockIdentityKeys,
  lockUnwrittenRequest,
  type Prisma,
  recordRequestWaiting,
  recordRequestWritten,
  runInTransaction,
  updateAccount,
} from "@upsert/db";
import { planAccountUpsert, type UpsertAccountPayload } from "@upsert/domain";
import { v7 as uuidv7 } from "uuid";
import { loadAccountResponse } from "./record-views";
import type { WriteOutcome } from "./write-upsert";

/**
 * The write of a `PUT /v1/accounts` request, in one transaction: lock the domain, wait for an
 * earlier unwritten account upsert of the same domain (they apply in acceptance order), then
 * update the domain's account in place or create it, and mark the request written. A created
 * account is owed enrichment.
 */
export async function writeAccountUpsert(
  prisma: Prisma,
  request: IntakeRecord,
  signal?: AbortSignal,
): Promise<WriteOutcome> {
  const payload = request.payload as UpsertAccountPayload;
  const keys = request.identityKeys;
  const orderingKeys = keys.filter((key) => !key.startsWith("domain:"));
  const outcome = await runInTransaction(prisma, async (tx) => {
    await lockIdentityKeys(tx, request.orgId, keys);
    const current = await lockUnwrittenRequest(tx, request.id);
    if (!current) {
      return "finished" as const;
    }
    signal?.throwIfAborted();
    if (
      await hasEarlierUnwrittenRequest(tx, { orgId: request.orgId, seq: request.seq, keys: orderingKeys })
    ) {
      await recordRequestWaiting(tx, request.id);
      return "wait" as const;
    }
    const existing = await loadAccountByDomainForUpdate(tx, request.orgId, payload.domain);
    const plan = planAccountUpsert(existing, { seq: Number(request.seq), payload }, uuidv7());
    if (plan.action === "created") await insertAccount(tx, request.orgId, plan.record);
    else await updateAccount(tx, plan.record);
    await recordRequestWritten(tx, request.id, {
      contactId: null,
      result: {
        action: plan.action,
        account_id: plan.record.id,
        account_created: plan.action === "created",
        enrichment: plan.action === "created" ? "pending" : "skipped",
        account: await loadAccountResponse(tx, request.orgId, plan.record.id),
      },
      enrichmentOwed: plan.action === "created",
    });
    return plan.action === "created" ? ("written" as const) : ("finished" as const);
  });
  if (outcome === "wait") return { kind: "wait", orderingKeys };
  const nextRequestIds = await findNextUnwrittenRequests(prisma, {
    orgId: request.orgId,
    seq: request.seq,
    keys: orderingKeys,
  });
  return { kind: outcome, nextRequestIds };
}
