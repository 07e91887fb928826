import { type BatchRecord, findBatchForOrg } from "@upsert/db";
import { isBatchRecordFinished } from "../http/batch-view";
import type { AwaitWriteDeps } from "./await-write";

/**
 * The org's batch once every item's write has finished, or as it is after `seconds` (or when the
 * client went away). Like awaitWrite: no connection held and no polling while it waits. The worker
 * that finishes a batch's last item announces the batch id on the write channel (see
 * finishBatchIfDone), and this process's one subscription routes it here; the batch is then read
 * once. The waiter is registered before the first read, so a batch finishing after that read is
 * announced to it. Null when the org has no such batch.
 */
export async function awaitBatch(
  deps: AwaitWriteDeps,
  input: { orgId: string; batchId: string; seconds: number; signal: AbortSignal },
): Promise<BatchRecord | null> {
  const waiter = deps.written.wait(input.batchId, { timeoutMs: input.seconds * 1_000, signal: input.signal });
  try {
    const before = await findBatchForOrg(deps.prisma, input.orgId, input.batchId);
    if (!before || isBatchRecordFinished(before)) return before;
    if ((await waiter.settled) === "aborted") return before;
    return await findBatchForOrg(deps.prisma, input.orgId, input.batchId);
  } finally {
    waiter.cancel();
  }
}
