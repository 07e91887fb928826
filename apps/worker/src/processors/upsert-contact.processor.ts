import type { Logger } from "@upsert/config";
import type { Prisma } from "@upsert/db";
import type { EnrichmentProvider } from "@upsert/enrichment";
import { upsertContactJobPayloadSchema } from "@upsert/queue";
import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import { processUpsertRequest } from "../upsert/process-upsert-request";

export interface UpsertProcessorDeps {
  prisma: Prisma;
  provider: EnrichmentProvider;
  logger: Logger;
  enrichmentAttempts: number;
  orderingRetryDelayMs: number;
}

/** BullMQ processor: parse the payload, run the request, translate "wait" into a delay. */
export function createUpsertContactProcessor(deps: UpsertProcessorDeps) {
  return async (job: Job, token?: string, signal?: AbortSignal): Promise<void> => {
    const parsed = upsertContactJobPayloadSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.message}`);
    const logger = deps.logger.child({ jobId: job.id, orgId: parsed.data.orgId });
    const outcome = await processUpsertRequest(
      { prisma: deps.prisma, provider: deps.provider, logger, attempts: deps.enrichmentAttempts, signal },
      parsed.data.requestId,
    );
    if (outcome.kind === "wait") {
      // An earlier request for the same person is not written yet. Delaying does not use up an
      // attempt; jitter keeps a crowd of waiting jobs from retrying in lock-step.
      const delay = deps.orderingRetryDelayMs * (1 + Math.random());
      await job.moveToDelayed(Date.now() + delay, token);
      throw new DelayedError();
    }
    logger.debug("upsert processed");
  };
}
