import type { Logger } from "@upsert/config";
import { type JobProducer, requestJobPayloadSchema } from "@upsert/queue";
import { DelayedError, type Job, UnrecoverableError } from "bullmq";

/** Why enrichment was deferred: the provider could not be asked, or the org's budget was spent. */
export type DeferralCause = "provider" | "budget";

export type RequestJobOutcome =
  | { kind: "done" }
  /** Enrichment cannot ask the provider now (see enrichCreatedRecords): run again later. */
  | { kind: "defer"; delayMs: number; reason: string; cause: DeferralCause }
  /** Must wait; `stillWaiting` asks again (the predecessor may be written by now). */
  | { kind: "wait"; stillWaiting: () => Promise<boolean> };

export interface RequestJobProcessorDeps {
  logger: Logger;
  /** The queue's lock duration (JOB_LOCK_MS). */
  lockMs: number;
  orderingRetryDelayMs: number;
  /** This queue's producer: a waiting job wakes itself through it. */
  producer: JobProducer;
  /** Told how each run ended (metrics). */
  observe?(outcome: RunOutcome, seconds: number, deferredFor?: DeferralCause): void;
  /** The work for one request; `signal` aborts when this run has lost its job. */
  run(requestId: string, context: { signal: AbortSignal; logger: Logger }): Promise<RequestJobOutcome>;
}

/** How a run ended; `waited`: its turn had not come; `deferred`: its enrichment comes later. */
export type RunOutcome = "done" | "waited" | "deferred" | "failed";
const outcomeNames = { done: "done", wait: "waited", defer: "deferred" } as const satisfies Record<
  RequestJobOutcome["kind"],
  RunOutcome
>;

/**
 * A waiting request is woken by its predecessor's worker, or by the dispatcher when that worker
 * died before waking it; the delay is only a last resort, so it grows with the wait and is long.
 * (Short delays made a deep backlog on a few identities spend the CPU re-checking waiters.)
 */
const maxOrderingDelayMs = 5 * 60_000;

export interface RequestJobProcessor {
  process(job: Job, token?: string, signal?: AbortSignal): Promise<void>;
  /**
   * For jobs whose lock renewal failed: aborts this process's run of each one whose lock really
   * is gone (held by another token or expired), so it stops before its write. Asks BullMQ to
   * extend the run's lock once more (`job.extendLock` with the run's token): it refuses when the
   * lock is no longer this run's. BullMQ also reports failures for jobs that just moved themselves
   * to delayed; those runs are over and are ignored. Rejects when Redis cannot be asked.
   */
  abandonLostRuns(jobIds: string[]): Promise<void>;
}

/**
 * BullMQ processor for a queue of intake requests (the write, or enrichment): parse the payload,
 * run the request with a signal that aborts when the job's lock is lost, and translate "wait" and
 * "defer" into a delay.
 */
export function createRequestJobProcessor(deps: RequestJobProcessorDeps): RequestJobProcessor {
  const runs = new Map<string, { job: Job; token: string; controller: AbortController }>();

  async function process(job: Job, token?: string, signal?: AbortSignal): Promise<void> {
    const parsed = requestJobPayloadSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.message}`);
    const logger = deps.logger.child({ queue: job.queueName, jobId: job.id, orgId: parsed.data.orgId });
    const run = { job, token: token ?? "", controller: new AbortController() };
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
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1_000;
    try {
      const outcome = await deps
        .run(parsed.data.requestId, { signal: runSignal, logger })
        .catch((err: unknown) => {
          deps.observe?.("failed", seconds());
          if (runSignal.aborted)
            logger.warn({ reason: String(runSignal.reason) }, "run abandoned: the job lock was lost");
          throw err;
        });
      deps.observe?.(
        outcomeNames[outcome.kind],
        seconds(),
        outcome.kind === "defer" ? outcome.cause : undefined,
      );
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
        // The provider cannot be asked now: the records stay `pending` and this enrichment job
        // comes back later (the write was its own job and is never redone).
        const delayMs = outcome.delayMs * (1 + Math.random() / 2);
        logger.info({ delayMs: Math.round(delayMs), reason: outcome.reason }, "enrichment deferred");
        endRun();
        await job.moveToDelayed(Date.now() + delayMs, token);
        throw new DelayedError();
      }
      // Its org's backlog is one job shorter (fairness between organisations). Not awaited: a
      // lost decrement only makes the org's next jobs rank a little later, until the
      // dispatcher's repair.
      deps.producer.settle(parsed.data.orgId).catch(() => undefined);
      // The run's last line: everything it logged (provider calls included) comes before it.
      logger.info("job processed");
    } finally {
      endRun();
    }
  }

  async function abandonLostRuns(jobIds: string[]) {
    for (const jobId of jobIds) {
      const run = runs.get(jobId);
      if (!run || Number(await run.job.extendLock(run.token, deps.lockMs)) === 1) continue;
      deps.logger.warn({ jobId }, "job lock lost to another worker; abandoning this run");
      run.controller.abort(new Error("job lock lost"));
    }
  }

  return { process, abandonLostRuns };
}
