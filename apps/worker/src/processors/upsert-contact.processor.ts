import type { Logger } from "@upsert/config";
import type { Prisma } from "@upsert/db";
import type { EnrichmentProvider } from "@upsert/enrichment";
import { type UpsertProducer, upsertContactJobPayloadSchema } from "@upsert/queue";
import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { OrgBudget } from "../enrichment-quota";
import { processUpsertRequest } from "../upsert/process-upsert-request";

export interface UpsertProcessorDeps {
  prisma: Prisma;
  provider: EnrichmentProvider;
  logger: Logger;
  enrichmentDeferForMs: number;
  budget?: OrgBudget;
  orderingRetryDelayMs: number;
  /** The worker's lock duration (JOB_LOCK_MS). */
  lockMs: number;
  producer: UpsertProducer;
  unsafeBreak?: "ordering" | "identity-lock";
}

/**
 * A waiting request is woken by its predecessor's worker, or by the dispatcher when that worker
 * died before waking it; the delay is only a last resort, so it grows with the wait and is long.
 * (Short delays made a deep backlog on a few identities spend the CPU re-checking waiters.)
 */
const maxOrderingDelayMs = 5 * 60_000;

export interface UpsertContactProcessor {
  process(job: Job, token?: string, signal?: AbortSignal): Promise<void>;
  /**
   * For jobs whose lock renewal failed: aborts this process's run of each one whose lock really
   * is gone (held by another token or expired), so it stops before its write. BullMQ also reports
   * failures for jobs that just moved themselves to delayed; those runs are over and are ignored.
   */
  abandonLostRuns(jobIds: string[], readLock: (jobId: string) => Promise<string | null>): Promise<void>;
}

/** BullMQ processor: parse the payload, run the request, translate "wait" into a delay. */
export function createUpsertContactProcessor(deps: UpsertProcessorDeps): UpsertContactProcessor {
  const runs = new Map<string, { token: string; controller: AbortController }>();

  async function process(job: Job, token?: string, signal?: AbortSignal): Promise<void> {
    const parsed = upsertContactJobPayloadSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.message}`);
    const logger = deps.logger.child({ jobId: job.id, orgId: parsed.data.orgId });
    const run = { token: token ?? "", controller: new AbortController() };
    const jobId = job.id ?? "";
    runs.set(jobId, run);
    const runSignal = signal ? AbortSignal.any([signal, run.controller.signal]) : run.controller.signal;
    // BullMQ renews locks by job id, and stops for a job id when a previous run of the same job in
    // this process finishes unwinding, which can be after this run began (a job delayed and woken
    // within moments). This run renews its own lock too, so a long run never looks stalled.
    const keeper = setInterval(() => {
      if (token) job.extendLock(token, deps.lockMs).catch(() => undefined);
    }, deps.lockMs / 2);
    keeper.unref();
    const endRun = () => {
      clearInterval(keeper);
      if (runs.get(jobId) === run) runs.delete(jobId);
    };
    try {
      const outcome = await processUpsertRequest(
        {
          prisma: deps.prisma,
          provider: deps.provider,
          logger,
          deferForMs: deps.enrichmentDeferForMs,
          budget: deps.budget,
          signal: runSignal,
          unsafeBreak: deps.unsafeBreak,
          wake: (requestId) => deps.producer.promote(requestId),
        },
        parsed.data.requestId,
      ).catch((err: unknown) => {
        if (runSignal.aborted)
          logger.warn({ reason: String(runSignal.reason) }, "run abandoned: the job lock was lost");
        throw err;
      });
      if (outcome.kind === "wait") {
        endRun();
        // An earlier request for the same person is not written yet; its worker wakes this job
        // when it is. Delaying does not use up an attempt; jitter keeps waiters out of lock-step.
        const waitedMs = Date.now() - job.timestamp;
        const base = Math.min(maxOrderingDelayMs, Math.max(deps.orderingRetryDelayMs, waitedMs));
        await job.moveToDelayed(Date.now() + base * (1 + Math.random() / 2), token);
        // The predecessor may have been written, and its wake-up missed, while this job was still
        // active (a wake-up only reaches delayed jobs): ask once more now that the job is delayed.
        if (!(await outcome.stillWaiting())) await deps.producer.promote(jobId);
        throw new DelayedError();
      }
      if (outcome.kind === "defer") {
        // Written, but the provider cannot be asked now: the records stay `pending` and this job
        // comes back for the enrichment alone (the write is never redone).
        const delayMs = outcome.delayMs * (1 + Math.random() / 2);
        logger.info({ delayMs: Math.round(delayMs), reason: outcome.reason }, "enrichment deferred");
        endRun();
        await job.moveToDelayed(Date.now() + delayMs, token);
        throw new DelayedError();
      }
      // The run's last line: everything it logged (provider calls included) comes before it.
      logger.info("upsert processed");
    } finally {
      endRun();
    }
  }

  async function abandonLostRuns(jobIds: string[], readLock: (jobId: string) => Promise<string | null>) {
    for (const jobId of jobIds) {
      const run = runs.get(jobId);
      if (!run || (await readLock(jobId)) === run.token) continue;
      deps.logger.warn({ jobId }, "job lock lost to another worker; abandoning this run");
      run.controller.abort(new Error("job lock lost"));
    }
  }

  return { process, abandonLostRuns };
}
