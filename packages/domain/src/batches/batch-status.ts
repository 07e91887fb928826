/** A batch's status, read from its items' (and its rejected items'). */
export type BatchStatus = "queued" | "running" | "succeeded" | "partially_failed" | "failed";

export interface BatchItemCounts {
  /** Items refused at acceptance (never jobs). */
  rejected: number;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
}

/** Every accepted item's write has finished (succeeded or failed). */
export const isBatchFinished = (counts: BatchItemCounts): boolean => counts.queued + counts.running === 0;

/**
 * `queued` until an item has started, `running` until every accepted item's write has finished,
 * then `succeeded` (every item did), `failed` (none did: each was rejected or its job failed) or
 * `partially_failed`. A rejected item counts as failed.
 */
export function batchStatusOf(counts: BatchItemCounts): BatchStatus {
  if (!isBatchFinished(counts)) {
    return counts.running + counts.succeeded + counts.failed === 0 ? "queued" : "running";
  }
  const failed = counts.failed + counts.rejected;
  if (failed === 0) return "succeeded";
  return counts.succeeded === 0 ? "failed" : "partially_failed";
}
