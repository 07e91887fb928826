import { Queue } from "bullmq";
import { createOrgBacklog, priorityOfRank } from "./org-backlog";
import type { Redis } from "./redis";
import { type RequestJobPayload, type RequestJobSpec, requestJobPayloadSchema } from "./request-jobs";

export interface JobProducer {
  /** Adds the job with id = request id. Adding an id that exists is a no-op in BullMQ. */
  enqueue(payload: RequestJobPayload, timeoutMs?: number): Promise<void>;
  /** enqueue for many (a batch): one round trip for the ranks and one addBulk. */
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
  /**
   * The run of this org's job has ended for good (done): its org's backlog is one shorter (see
   * org-backlog.ts). Not called for runs that wait, defer or fail, which stay in the backlog.
   */
  settle(orgId: string): Promise<void>;
  /** Sets every org's backlog from the intake log's unfinished rows (the dispatcher's repair). */
  resetBacklogs(counts: ReadonlyMap<string, number>): Promise<void>;
  /** The job's state in Redis, or null when Redis does not have it. */
  findJob(requestId: string): Promise<{ id: string; state: string; data: RequestJobPayload } | null>;
  /** The next `limit` queued jobs in the order workers will take them (diagnostics, tests). */
  nextJobs(limit: number): Promise<RequestJobPayload[]>;
  /** Jobs waiting, active and delayed: what the workers still have to do. */
  countPending(): Promise<number>;
  /** Jobs by state (waiting, active, delayed, prioritized, failed), for metrics. */
  countByState(): Promise<Record<string, number>>;
  /** Closes the queue once the adds under way have ended. */
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

  const backlog = createOrgBacklog(options.connection, { prefix: options.prefix, queue: spec.queue });

  /**
   * Adds the jobs, each with its rank in its org's backlog as priority (fairness between
   * organisations, see org-backlog.ts): one round trip reserves the ranks, one addBulk adds them.
   * A job id Redis already has is not added again by BullMQ but is still counted; the
   * dispatcher's repair corrects such drift (resetBacklogs).
   */
  const addRanked = async (payloads: readonly RequestJobPayload[]) => {
    const jobs = payloads.map((payload) => requestJobPayloadSchema.parse(payload));
    const counts = new Map<string, number>();
    for (const job of jobs) counts.set(job.orgId, (counts.get(job.orgId) ?? 0) + 1);
    const ranks = await backlog.reserve(counts);
    const entries = jobs.map((data) => {
      const rank = (ranks.get(data.orgId) ?? 0) + 1;
      ranks.set(data.orgId, rank);
      return {
        name: spec.name,
        data,
        opts: { ...spec.options, jobId: data.requestId, priority: priorityOfRank(rank) },
      };
    });
    if (entries.length === 1 && entries[0])
      await queue.add(entries[0].name, entries[0].data, entries[0].opts);
    else if (entries.length > 1) await queue.addBulk(entries);
  };

  // Adds still under way: close() lets them finish (an API adds a batch's jobs after answering).
  const adding = new Set<Promise<void>>();
  const tracked = (work: Promise<void>) => {
    adding.add(work);
    work.then(
      () => adding.delete(work),
      () => adding.delete(work),
    );
    return work;
  };

  const withTimeout = async (work: Promise<void>, timeoutMs: number) => {
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
    enqueue: (payload, timeoutMs = 1_000) => withTimeout(tracked(addRanked([payload])), timeoutMs),
    enqueueMany: (payloads, timeoutMs = 5_000) => withTimeout(tracked(addRanked(payloads)), timeoutMs),
    async ensureEnqueued(payloads) {
      // Concurrent commands share one connection and go out pipelined: one exchange for the
      // whole batch, not one round trip per request.
      const states = await Promise.all(payloads.map((payload) => queue.getJobState(payload.requestId)));
      const missing = payloads.filter((_, index) => states[index] === "unknown");
      const failed = payloads.filter((_, index) => states[index] === "failed");
      // Re-added jobs take their place at the end of their org's backlog, like new ones.
      await addRanked(missing);
      await Promise.all(
        failed.map(async (payload) => {
          await (await queue.getJob(payload.requestId))?.retry("failed");
        }),
      );
      return missing.length + failed.length;
    },
    promote,
    settle: (orgId) => backlog.settle(orgId),
    resetBacklogs: (counts) => backlog.reset(counts),
    async promoteMany(requestIds) {
      const promoted = await Promise.all(requestIds.map(promote));
      return promoted.filter(Boolean).length;
    },
    async findJob(requestId) {
      const job = await queue.getJob(requestId);
      if (!job?.id) return null;
      return { id: job.id, state: await job.getState(), data: job.data };
    },
    async nextJobs(limit) {
      // Workers take the (unprioritized) wait list first, then the lowest priority.
      const waiting = await queue.getWaiting(0, limit - 1);
      const prioritized = await queue.getPrioritized(0, limit - waiting.length - 1);
      return [...waiting.reverse(), ...prioritized].slice(0, limit).map((job) => job.data);
    },
    async countPending() {
      return queue.getJobCountByTypes("waiting", "active", "delayed", "prioritized", "waiting-children");
    },
    countByState: () => queue.getJobCounts("waiting", "active", "delayed", "prioritized", "failed"),
    async close() {
      await Promise.allSettled(adding);
      await queue.close();
    },
  };
}
