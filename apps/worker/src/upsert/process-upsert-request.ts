import type { Logger } from "@upsert/config";
import { claimRequest, finishBatchIfDone, hasEarlierUnwrittenRequest, type Pool } from "@upsert/db";
import { orderingKeysOf } from "@upsert/domain";
import { intakeOperations, type RequestJobPayload } from "@upsert/queue";
import type { RequestJobOutcome } from "../processors/request-job.processor";
import type { OrderedWriteOptions, WriteOutcome } from "./ordered-write";
import { writeAccountById } from "./write-account-by-id";
import { writeAccountUpsert } from "./write-account-upsert";
import { type ErasedIdentity, writeContactDelete, writeContactPatch } from "./write-contact-by-id";
import { writeReenrichment } from "./write-reenrichment";
import { writeCreate, writeUpsert } from "./write-upsert";

export interface UpsertDeps {
  pool: Pool;
  logger: Logger;
  signal?: AbortSignal;
  /** Runs waiting requests now (their turn has come). */
  wake(requestIds: string[]): Promise<unknown>;
  /** Queues the enrichment job of a written request. */
  enqueueEnrichment(job: RequestJobPayload): Promise<unknown>;
  /** Tells API requests waiting on it (`Prefer: wait`) that the request's write has finished. */
  announceWritten(requestId: string): Promise<unknown>;
  /** Deletes an organisation's cached enrichment answers about a person (a contact's erasure). */
  purgeCachedAnswers(orgId: string, identity: ErasedIdentity): Promise<unknown>;
  /**
   * Called once per batch, by the run whose item was the batch's last to finish (after its
   * announcement on the write channel): where a `batch.finished` event starts.
   */
  onBatchFinished?(batch: { batchId: string; orgId: string }): Promise<unknown>;
  unsafeBreak?: OrderedWriteOptions["unsafeBreak"];
}

const writers = {
  [intakeOperations.upsertContact]: writeUpsert,
  [intakeOperations.upsertAccount]: writeAccountUpsert,
  [intakeOperations.enrichContact]: writeReenrichment,
  [intakeOperations.createContact]: writeCreate,
  [intakeOperations.patchContact]: writeContactPatch,
  [intakeOperations.deleteContact]: writeContactDelete,
  [intakeOperations.patchAccount]: writeAccountById("patch"),
  [intakeOperations.deleteAccount]: writeAccountById("delete"),
} as const;

/**
 * The write half of one accepted request, run by its job on the upsert queue. Safe to run any
 * number of times: a finished request is left alone, and the write itself is all-or-nothing. What
 * the write created is enriched by a job of its own, so the provider never holds up a write.
 */
export async function processUpsertRequest(deps: UpsertDeps, requestId: string): Promise<RequestJobOutcome> {
  // One statement: claim the run, and the ordering rule on the request's own keys (a request
  // behind an unwritten earlier one for the same person waits at once, without locking anything).
  const claim = await claimRequest(deps.pool, requestId, { checkOrder: !deps.unsafeBreak });
  if (!claim) return { kind: "done" };
  const { request } = claim;
  if (claim.kind === "finished") {
    // A run that wrote it may have died before queueing its enrichment, or announcing the write,
    // or finishing its batch.
    announceWritten(deps, request.id);
    await finishBatchItem(deps, request);
    if (request.enrichmentDueAt) await handOverToEnrichment(deps, request);
    return { kind: "done" };
  }
  const writer = writers[request.operation as keyof typeof writers];
  if (!writer) throw new Error(`unknown intake operation ${request.operation}`);
  const written: WriteOutcome =
    claim.kind === "wait"
      ? { kind: "wait", orderingKeys: orderingKeysOf(request.identityKeys) }
      : await writer(deps.pool, request, {
          signal: deps.signal,
          unsafeBreak: deps.unsafeBreak,
          purge: (identity: ErasedIdentity) => deps.purgeCachedAnswers(request.orgId, identity),
        });
  if (written.kind === "wait") {
    const waitingOn = { orgId: request.orgId, seq: request.seq, keys: written.orderingKeys };
    return { kind: "wait", stillWaiting: () => hasEarlierUnwrittenRequest(deps.pool, waitingOn) };
  }
  // Written or failed now, or by an earlier run: the intake row is final either way.
  announceWritten(deps, request.id);
  await finishBatchItem(deps, request);
  if (written.kind === "written") {
    // Without this the next requests for the same people would sit out their fallback delay.
    if (written.nextRequestIds.length > 0)
      deps
        .wake(written.nextRequestIds)
        .catch((err: unknown) => deps.logger.warn({ err }, "could not wake next requests"));
    if (written.owesEnrichment) await handOverToEnrichment(deps, request);
  }
  return { kind: "done" };
}

/** Fire and forget: a lost announcement only makes a waiting request wait out its timeout. */
function announceWritten(deps: UpsertDeps, requestId: string): void {
  deps
    .announceWritten(requestId)
    .catch((err: unknown) => deps.logger.debug({ err }, "could not announce the write"));
}

/**
 * A batch item's write has finished: if it was the batch's last, the batch is marked finished
 * (exactly one run gets true from finishBatchIfDone), waiters on the batch are told, and
 * onBatchFinished runs. A failure here is logged, never fails the job: the batch's status is
 * read from its items, and a re-run of the job (claim `finished`) checks again.
 */
async function finishBatchItem(deps: UpsertDeps, request: { batchId: string | null; orgId: string }) {
  const { batchId } = request;
  if (!batchId) return;
  try {
    if (!(await finishBatchIfDone(deps.pool, batchId))) return;
    deps.logger.info({ batchId }, "batch finished");
    announceWritten(deps, batchId);
    await deps.onBatchFinished?.({ batchId, orgId: request.orgId });
  } catch (err) {
    deps.logger.warn({ err, batchId }, "could not finish the batch");
  }
}

async function handOverToEnrichment(deps: UpsertDeps, request: { id: string; orgId: string }) {
  await deps.enqueueEnrichment({ v: 1, requestId: request.id, orgId: request.orgId }).catch((err: unknown) =>
    // The intake row says enrichment is owed: the dispatcher queues it once Redis answers.
    deps.logger.warn({ err }, "could not queue the enrichment job; the dispatcher will"),
  );
}
