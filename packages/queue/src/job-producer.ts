import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { type RequestJobPayload, type RequestJobSpec, requestJobPayloadSchema } from "./request-jobs";

export interface JobProducer {
  /** Adds the job with id = request id. Adding an id that exists is a no-op in BullMQ. */
  enqueue(payload: RequestJobPayload, timeoutMs?: number): Promise<void>;
  /** enqueue for many jobs in one `addBulk` (one exchange with Redis): a batch's items. */
  enqueueMany(payloads: readonly RequestJobPayload[], timeoutMs?: number): Promise<void>;
  /**
   * Makes sure each request has a live job: adds missing ones, retries ones BullMQ gave up on.
   * Returns how many were (re)created.
   */
  ensureEnqueued(payloads: RequestJobPayload[]): Promise<number>;
  /** Runs a delayed job now (a request that was waiting for an earlier one); no-op otherwise. */
  promote(requestId: string): Promise<boolean>;
  /** promote for each, concurrently (one pipelined exchange with Redis); returns how many ran. */
  promoteMany(requestIds: readonly string[]): Promise<number>;
  /** The job's state in Redis, or null when Redis does not have it. */
  findJob(requestId: string): Promise<{ id: string; state: string; data: RequestJobPayload } | null>;
  /** Jobs waiting, active and delayed: what the workers still have to do. */
  countPending(): Promise<number>;
  /** Jobs by state (waiting, active, delayed, prioritized, failed), for metrics. */
  countByState(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** How soon a woken job runs (see promote). */
const wakeDelayMs = 25;

/** Adds and manages the jobs of one request queue (see request-jobs.ts). */
export function createJobProducer(
  spec: RequestJobSpec,
  options: { connection: Redis; prefix: string },
): JobProducer {
  const queue = new Queue<RequestJobPayload>(spec.queue, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: spec.options,
  });
  // Connection errors surface on the calls that need Redis; the event would otherwise be unhandled.
  queue.on("error", () => {});

  // Every way a job is added (one, in bulk, re-created by the dispatcher) takes its options here.
  const jobOf = (payload: RequestJobPayload) => ({
    name: spec.name,
    data: requestJobPayloadSchema.parse(payload),
    opts: { ...spec.options, jobId: payload.requestId },
  });
  const add = (payload: RequestJobPayload) => {
    const job = jobOf(payload);
    return queue.add(job.name, job.data, job.opts);
  };
  const withTimeout = async (work: Promise<unknown>, timeoutMs: number) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`enqueue timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    work.catch(() => {}); // its outcome after a timeout is of no interest
    try {
      await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const promote = async (requestId: string): Promise<boolean> => {
    const job = await queue.getJob(requestId);
    if (!job || !(await job.isDelayed())) return false;
    // Due in a moment rather than at once: the run that just delayed it may still be unwinding
    // in its worker, and BullMQ tracks locks by job id, so a new run of the same job there
    // before the old one has ended would lose its lock renewal. It may also have been picked
    // up meanwhile; then there is nothing to promote.
    return job.changeDelay(wakeDelayMs).then(
      () => true,
      () => false,
    );
  };

  return {
    enqueue: (payload, timeoutMs = 1_000) => withTimeout(add(payload), timeoutMs),
    async enqueueMany(payloads, timeoutMs = 2_000) {
      if (payloads.length === 0) return;
      await withTimeout(queue.addBulk(payloads.map(jobOf)), timeoutMs);
    },
    async ensureEnqueued(payloads) {
      // Concurrent commands share one connection and go out pipelined: one exchange for the
      // whole batch, not one round trip per request.
      const states = await Promise.all(payloads.map((payload) => queue.getJobState(payload.requestId)));
      const missing = payloads.filter((_, index) => states[index] === "unknown");
      const failed = payloads.filter((_, index) => states[index] === "failed");
      if (missing.length > 0) {
        await queue.addBulk(missing.map(jobOf));
      }
      await Promise.all(
        failed.map(async (payload) => {
          await (await queue.getJob(payload.requestId))?.retry("failed");
        }),
      );
      return missing.length + failed.length;
    },
    promote,
    async promoteMany(requestIds) {
      const promoted = await Promise.all(requestIds.map(promote));
      return promoted.filter(Boolean).length;
    },
    async findJob(requestId) {
      const job = await queue.getJob(requestId);
      if (!job?.id) return null;
      return { id: job.id, state: await job.getState(), data: job.data };
    },
    async countPending() {
      return queue.getJobCountByTypes("waiting", "active", "delayed", "prioritized", "waiting-children");
    },
    countByState: () => queue.getJobCounts("waiting", "active", "delayed", "prioritized", "failed"),
    close: () => queue.close(),
  };
}
