import type { Logger } from "@upsert/config";
import type { Prisma } from "@upsert/db";
import type { EnrichmentProvider } from "@upsert/enrichment";
import { type UpsertProducer, upsertContactJobPayloadSchema } from "@upsert/queue";
import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import { processUpsertRequest } from "../upsert/process-upsert-request";

export interface UpsertProcessorDeps {
  prisma: Prisma;
  provider: EnrichmentProvider;
  logger: Logger;
  enrichmentAttempts: number;
  orderingRetryDelayMs: number;
  producer: UpsertProducer;
}

/**
 * A waiting request is woken by its predecessor's worker; the delay is only the fallback (for a
 * predecessor whose worker died between its write and the wake-up), so it grows and is long.
 */
const maxOrderingDelayMs = 10_000;

/** BullMQ processor: parse the payload, run the request, translate "wait" into a delay. */
export function createUpsertContactProcessor(deps: UpsertProcessorDeps) {
  return async (job: Job, token?: string, signal?: AbortSignal): Promise<void> => {
    const parsed = upsertContactJobPayloadSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.message}`);
    const logger = deps.logger.child({ jobId: job.id, orgId: parsed.data.orgId });
    const outcome = await processUpsertRequest(
      {
        prisma: deps.prisma,
        provider: deps.provider,
        logger,
        attempts: deps.enrichmentAttempts,
        signal,
        wake: (requestId) => deps.producer.promote(requestId),
      },
      parsed.data.requestId,
    );
    if (outcome.kind === "wait") {
      // An earlier request for the same person is not written yet; its worker wakes this job
      // when it is. Delaying does not use up an attempt; jitter keeps waiters out of lock-step.
      const waitedMs = Date.now() - job.timestamp;
      const base = Math.min(maxOrderingDelayMs, Math.max(deps.orderingRetryDelayMs, waitedMs / 4));
      await job.moveToDelayed(Date.now() + base * (1 + Math.random() / 2), token);
      // The predecessor may have been written, and its wake-up missed, while this job was still
      // active (a promote only moves delayed jobs): ask once more now that the job is delayed.
      if (!(await outcome.stillWaiting()) && job.id) await deps.producer.promote(job.id);
      throw new DelayedError();
    }
    logger.debug("upsert processed");
  };
}
