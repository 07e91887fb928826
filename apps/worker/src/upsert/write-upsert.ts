import {
  findNextUnwrittenRequests,
  hasEarlierUnwrittenRequest,
  type IntakeRecord,
  insertAccount,
  loadUpsertSnapshot,
  lockIdentityKeys,
  lockUnwrittenRequest,
  type Prisma,
  recordRequestFailed,
  recordRequestWaiting,
  recordRequestWritten,
  runInTransaction,
  saveContact,
} from "@upsert/db";
import {
  enrichmentTargetOf,
  planUpsert,
  selectSnapshotLookups,
  type UpsertContactPayload,
} from "@upsert/domain";
import { v7 as uuidv7 } from "uuid";
import { loadContactResponse } from "./record-views";

export type WriteOutcome =
  /** Written; what it created (contact, account) is owed an enrichment job. */
  | { kind: "written"; nextRequestIds: string[] }
  /** Written with nothing to enrich (an update), failed for a reason of the request, or done before. */
  | { kind: "finished"; nextRequestIds: string[] }
  /** An earlier request sharing these identity keys is unwritten: try again once it is. */
  | { kind: "wait"; orderingKeys: string[] };

/** More rounds mean the matched contacts' identifiers keep changing under us; retry the job. */
const maxLockRounds = 5;

/**
 * The write half of an upsert, in one short transaction: lock the identity keys (request keys
 * plus those of the contacts it matches, sorted), apply the ordering rule, plan (pure domain
 * code), persist, and mark the intake row written (and so succeeded) — all or nothing. A crash
 * before commit leaves no trace; after commit, a retry finds the request finished.
 */
export interface WriteOptions {
  /** Aborted when this run has lost its job (another worker has it): stop before writing. */
  signal?: AbortSignal;
  /** Test-only: see UNSAFE_BREAK_FOR_TESTS in the worker's config. */
  unsafeBreak?: "ordering" | "identity-lock";
}

export async function writeUpsert(
  prisma: Prisma,
  request: IntakeRecord,
  options: WriteOptions = {},
): Promise<WriteOutcome> {
  // Cheap pre-check without locks: a request behind an unwritten earlier one for the same person
  // waits at once, instead of queueing on that person's identity lock only to find it must wait
  // (with a deep backlog on a few identities, that queue was where the time went). Re-checked
  // under the locks below, with the matched contacts' keys too.
  const ownOrderingKeys = request.identityKeys.filter((key) => !key.startsWith("domain:"));
  if (
    !options.unsafeBreak &&
    (await hasEarlierUnwrittenRequest(prisma, {
      orgId: request.orgId,
      seq: request.seq,
      keys: ownOrderingKeys,
    }))
  ) {
    await recordRequestWaiting(prisma, request.id);
    return { kind: "wait", orderingKeys: ownOrderingKeys };
  }
  let keys = request.identityKeys;
  for (let round = 0; round < maxLockRounds; round += 1) {
    const outcome = await runInTransaction(prisma, async (tx) => {
      if (options.unsafeBreak !== "identity-lock") await lockIdentityKeys(tx, request.orgId, keys);
      const current = await lockUnwrittenRequest(tx, request.id);
      if (!current) {
        return { kind: "finished", orderingKeys: [] } as const;
      }
      // Checked under the intake row's lock: a run that learnt it lost the job writes nothing.
      options.signal?.throwIfAborted();
      const payload = current.payload as UpsertContactPayload;
      const snapshot = await loadUpsertSnapshot(tx, current.orgId, selectSnapshotLookups(payload));
      const plan = planUpsert(
        snapshot,
        { seq: Number(current.seq), payload },
        { newContactId: uuidv7(), newAccountId: uuidv7() },
      );
      const missing = plan.identityKeys.filter((key) => !keys.includes(key));
      if (missing.length > 0) return { kind: "relock", keys: [...keys, ...missing] } as const;

      // Domains are locked (one account per domain) but do not order requests: which request
      // creates a domain's account does not change the final state.
      const orderingKeys = plan.identityKeys.filter((key) => !key.startsWith("domain:"));
      if (
        !options.unsafeBreak &&
        (await hasEarlierUnwrittenRequest(tx, { orgId: current.orgId, seq: current.seq, keys: orderingKeys }))
      ) {
        await recordRequestWaiting(tx, current.id);
        return { kind: "wait", orderingKeys } as const;
      }
      if (plan.kind === "failed") {
        await recordRequestFailed(tx, current.id, plan.error);
        return { kind: "finished", orderingKeys } as const;
      }
      if (plan.account.action === "create") await insertAccount(tx, current.orgId, plan.account.record);
      await saveContact(tx, current.orgId, plan.contact, {
        isNew: plan.action === "created",
        source: "api",
        addedTagIds: plan.addedTagIds,
      });
      const contact = await loadContactResponse(tx, current.orgId, plan.contact.id);
      // Enrichment is owed for what this request created: the contact, a new account, or both.
      const enrichmentOwed = enrichmentTargetOf(plan, Number(current.seq)) !== null;
      await recordRequestWritten(tx, current.id, {
        contactId: plan.contact.id,
        result: { ...plan.result, enrichment: plan.enrich ? "pending" : "skipped", contact },
        enrichmentOwed,
      });
      return { kind: enrichmentOwed ? "written" : "finished", orderingKeys } as const;
    });
    if (outcome.kind === "wait") return { kind: "wait", orderingKeys: [...outcome.orderingKeys] };
    if (outcome.kind !== "relock") {
      // The next requests waiting on these identities may go now; the caller wakes them.
      const nextRequestIds = await findNextUnwrittenRequests(prisma, {
        orgId: request.orgId,
        seq: request.seq,
        keys: [...outcome.orderingKeys],
      });
      return { kind: outcome.kind, nextRequestIds };
    }
    keys = [...outcome.keys];
  }
  throw new Error(`identity keys of request ${request.id} kept changing; retrying the job`);
}
