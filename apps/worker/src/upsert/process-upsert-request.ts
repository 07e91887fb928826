import type { Logger } from "@upsert/config";
import { findRequest, hasEarlierUnwrittenRequest, markRequestRunning, type Prisma } from "@upsert/db";
import { intakeOperations, type RequestJobPayload } from "@upsert/queue";
import type { RequestJobOutcome } from "../processors/request-job.processor";
import { writeAccountUpsert } from "./write-account-upsert";
import { writeReenrichment } from "./write-reenrichment";
import { type WriteOptions, writeUpsert } from "./write-upsert";

export interface UpsertDeps {
  prisma: Prisma;
  logger: Logger;
  signal?: AbortSignal;
  /** Runs a waiting request now (its turn has come). */
  wake(requestId: string): Promise<unknown>;
  /** Queues the enrichment job of a written request. */
  enqueueEnrichment(job: RequestJobPayload): Promise<unknown>;
  unsafeBreak?: WriteOptions["unsafeBreak"];
}

/**
 * The write half of one accepted request, run by its job on the upsert queue. Safe to run any
 * number of times: a finished request is left alone, and the write itself is all-or-nothing. What
 * the write created is enriched by a job of its own, so the provider never holds up a write.
 */
export async function processUpsertRequest(deps: UpsertDeps, requestId: string): Promise<RequestJobOutcome> {
  const request = await markRequestRunning(deps.prisma, requestId);
  if (!request) {
    // Finished before; but a run that wrote it may have died before queueing its enrichment.
    const finished = await findRequest(deps.prisma, requestId);
    if (finished?.enrichmentDueAt) await handOverToEnrichment(deps, finished);
    return { kind: "done" };
  }
  if (request.operation === intakeOperations.enrichContact) {
    if (await writeReenrichment(deps.prisma, request)) await handOverToEnrichment(deps, request);
    return { kind: "done" };
  }
  const written =
    request.operation === intakeOperations.upsertAccount
      ? await writeAccountUpsert(deps.prisma, request, deps.signal)
      : await writeUpsert(deps.prisma, request, { signal: deps.signal, unsafeBreak: deps.unsafeBreak });
  if (written.kind === "wait") {
    const waitingOn = { orgId: request.orgId, seq: request.seq, keys: written.orderingKeys };
    return { kind: "wait", stillWaiting: () => hasEarlierUnwrittenRequest(deps.prisma, waitingOn) };
  }
  for (const next of written.nextRequestIds) {
    // Without this the next request for the same person would sit out its fallback delay.
    deps.wake(next).catch((err: unknown) => deps.logger.warn({ err }, "could not wake next request"));
  }
  if (written.kind === "written") await handOverToEnrichment(deps, request);
  return { kind: "done" };
}

async function handOverToEnrichment(deps: UpsertDeps, request: { id: string; orgId: string }) {
  await deps.enqueueEnrichment({ v: 1, requestId: request.id, orgId: request.orgId }).catch((err: unknown) =>
    // The intake row says enrichment is owed: the dispatcher queues it once Redis answers.
    deps.logger.warn({ err }, "could not queue the enrichment job; the dispatcher will"),
  );
}
