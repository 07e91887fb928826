import type { Logger } from "@upsert/config";
import {
  findRequestsOwedEnrichment,
  findRunnableWaitingRequests,
  findUnfinishedRequests,
  type Prisma,
  purgeFinishedRequests,
} from "@upsert/db";
import type { JobProducer } from "@upsert/queue";

export interface Dispatcher {
  /** One pass: make sure every unfinished request, and every owed enrichment, has a live job. */
  dispatchOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Postgres is the record of accepted requests; Redis only schedules them. The dispatcher closes
 * the gap when Redis was down at intake, lost data (no AOF, failover) or gave up on a job: every
 * interval it hands each unfinished request older than `minAgeMs` to the upsert queue's
 * `ensureEnqueued`, and each request owing enrichment for that long to the enrichment queue's,
 * which are no-ops for jobs Redis still has. It also wakes waiting requests whose turn has come (see
 * findRunnableWaitingRequests). Every worker process runs one; they do not need to coordinate.
 */
export function startDispatcher(options: {
  prisma: Prisma;
  producer: JobProducer;
  enrichmentProducer: JobProducer;
  logger: Logger;
  intervalMs: number;
  minAgeMs: number;
  retentionMs: number;
  batchSize?: number;
}): Dispatcher {
  const log = options.logger.child({ component: "dispatcher" });
  const batchSize = options.batchSize ?? 1_000;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const dispatchOnce = async (): Promise<number> => {
    const rows = await findUnfinishedRequests(options.prisma, {
      acceptedBefore: new Date(Date.now() - options.minAgeMs),
      limit: batchSize,
    });
    const recreated = await options.producer.ensureEnqueued(
      rows.map((row) => ({ v: 1 as const, requestId: row.id, orgId: row.orgId })),
    );
    if (recreated > 0) log.warn({ recreated, checked: rows.length }, "re-enqueued accepted requests");
    const owed = await findRequestsOwedEnrichment(options.prisma, {
      dueBefore: new Date(Date.now() - options.minAgeMs),
      limit: batchSize,
    });
    const enrichments = await options.enrichmentProducer.ensureEnqueued(
      owed.map((row) => ({ v: 1 as const, requestId: row.id, orgId: row.orgId })),
    );
    if (enrichments > 0)
      log.warn({ recreated: enrichments, checked: owed.length }, "re-enqueued enrichment jobs");
    // Wake-ups a crashed worker never sent: the heads of waiting chains run now, not after their
    // (long) fallback delay.
    const heads = await findRunnableWaitingRequests(options.prisma, {
      acceptedBefore: new Date(Date.now() - options.minAgeMs),
      limit: batchSize,
    });
    let woken = 0;
    for (const id of heads) if (await options.producer.promote(id)) woken += 1;
    if (woken > 0) log.info({ woken }, "woke waiting requests whose turn had come");
    return recreated + enrichments;
  };

  const tick = async () => {
    try {
      await dispatchOnce();
      const purged = await purgeFinishedRequests(options.prisma, new Date(Date.now() - options.retentionMs));
      if (purged > 0) log.info({ purged }, "purged finished requests past retention");
    } catch (err) {
      log.warn({ err }, "dispatch pass failed; retrying next interval");
    }
    if (!stopped) timer = setTimeout(run, options.intervalMs);
  };
  const run = () => {
    current = tick();
  };
  timer = setTimeout(run, Math.min(options.intervalMs, 1_000));

  return {
    dispatchOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
