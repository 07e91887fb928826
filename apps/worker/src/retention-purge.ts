import { setTimeout as sleep } from "node:timers/promises";
import { type Pool, purgeFinishedRequests } from "@upsert/db";

export interface RetentionPurgeOptions {
  /** Rows finished before this are past retention. */
  finishedBefore: Date;
  /** Rows one DELETE removes at most: its locks, WAL and time stay small whatever the backlog. */
  batchSize: number;
  /** Batches one call runs at most; the rest waits for the next dispatcher pass. */
  maxBatches: number;
  /** Pause between batches, so a large backlog does not keep Postgres (or a replica) busy. */
  pauseMs: number;
}

/**
 * Deletes finished intake rows past retention in bounded batches, each its own statement and
 * transaction, with a pause between them; stops at the first batch that found fewer rows than
 * `batchSize` (nothing older is left) or after `maxBatches`. Returns how many rows each batch
 * deleted.
 */
export async function purgeExpiredRequests(
  pool: Pool,
  options: RetentionPurgeOptions,
): Promise<{ purged: number; deletedPerBatch: number[] }> {
  const deletedPerBatch: number[] = [];
  while (deletedPerBatch.length < options.maxBatches) {
    if (deletedPerBatch.length > 0) await sleep(options.pauseMs);
    const count = await purgeFinishedRequests(pool, {
      finishedBefore: options.finishedBefore,
      limit: options.batchSize,
    });
    deletedPerBatch.push(count);
    if (count < options.batchSize) break;
  }
  return { purged: deletedPerBatch.reduce((sum, n) => sum + n, 0), deletedPerBatch };
}
