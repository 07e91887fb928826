import type { AcceptedBatch, BatchItemRecord, BatchRecord } from "@upsert/db";
import { type BatchItemCounts, batchStatusOf, isBatchFinished } from "@upsert/domain";
import { jobLink } from "./job-view";

export const batchLink = (id: string) => `/v1/batches/${id}`;
const batchLinks = (id: string) => ({ self: batchLink(id), items: `${batchLink(id)}/items` });

const itemCountsOf = (batch: BatchRecord): BatchItemCounts => ({
  rejected: batch.rejectedCount,
  ...batch.counts,
});

/** The batch's items have all finished (or none was accepted). */
export const isBatchRecordFinished = (batch: BatchRecord) => isBatchFinished(itemCountsOf(batch));

/** GET /v1/batches/:id representation. */
export function toBatchView(batch: BatchRecord) {
  const counts = itemCountsOf(batch);
  const finished = isBatchFinished(counts);
  return {
    id: batch.id,
    operation: batch.operation,
    status: batchStatusOf(counts),
    counts: {
      items: batch.itemCount,
      accepted: batch.acceptedCount,
      rejected: batch.rejectedCount,
      queued: batch.counts.queued,
      running: batch.counts.running,
      succeeded: batch.counts.succeeded,
      failed: batch.counts.failed,
      created: batch.counts.created,
      updated: batch.counts.updated,
    },
    created_at: batch.createdAt.toISOString(),
    // The finishing worker marks it; should it have died first, the last item's finish says when.
    finished_at: finished
      ? (batch.finishedAt ?? batch.lastItemFinishedAt ?? batch.createdAt).toISOString()
      : null,
    links: batchLinks(batch.id),
  };
}

/** The 202 body of an accepted (or replayed) batch; `current` is a replay's batch as it is now. */
export function toAcceptedBatchView(batch: AcceptedBatch, current: BatchRecord | null) {
  const status = current
    ? batchStatusOf(itemCountsOf(current))
    : batch.acceptedCount === 0
      ? batchStatusOf({ rejected: batch.rejected.length, queued: 0, running: 0, succeeded: 0, failed: 0 })
      : "queued";
  return {
    batch_id: batch.id,
    status,
    accepted: batch.acceptedCount,
    rejected: batch.rejected,
    links: batchLinks(batch.id),
  };
}

/** `Prefer: wait` on the POST, finished in time: the batch view with what the 202 would have said. */
export function toFinishedBatchView(accepted: AcceptedBatch, batch: BatchRecord) {
  return {
    ...toBatchView(batch),
    batch_id: batch.id,
    accepted: accepted.acceptedCount,
    rejected: accepted.rejected,
  };
}

/** One item of GET /v1/batches/:id/items. */
export function toBatchItemView(item: BatchItemRecord) {
  return {
    index: item.index,
    job_id: item.jobId,
    status: item.status,
    result: item.result,
    error: item.error,
    links: item.jobId ? { job: jobLink(item.jobId) } : null,
  };
}
