import { randomUUID } from "node:crypto";
import type { Logger } from "@upsert/config";
import {
  acquireLease,
  countBacklogsByOrg,
  findRequestsOwedEnrichment,
  findRunnableWaitingRequests,
  findUnfinishedRequests,
  finishDoneBatches,
  type Pool,
  purgeFinishedBatches,
  releaseLease,
} from "@upsert/db";
import type { JobProducer } from "@upsert/queue";
import { purgeExpiredRequests } from "./retention-purge";

export interface Dispatcher {
  /** One pass (when this process holds the lease): every unfinished request and owed enrichment
   *  in this pass's window has a live job; waiting chain heads are woken. Returns jobs re-created. */
  dispatchOnce(): Promise<number>;
  stop(): Promise<void>;
}

const leaseName = "dispatcher";
const purgeBatch = 1_000;
/** At most this many purge batches a pass, so a pass never runs long. */
const purgeBatchesPerPass = 10;
/** Between two purge batches of a pass. */
const purgePauseMs = 50;

/**
 * Postgres is the record of accepted requests; Redis only schedules them. The dispatcher closes
 * the gap when Redis was down at intake, lost data (no AOF, failover) or gave up on a job: each
 * pass hands unfinished requests older than `minAgeMs` to the upsert queue's `ensureEnqueued`,
 * requests owing enrichment for that long to the enrichment queue's (both no-ops for jobs Redis
 * still has), wakes waiting requests whose turn has come (a wake-up lost with a crashed
 * worker), and repairs the queues' per-org backlog counts (fairness). Then it purges finished
 * requests past retention.
 *
 * One process of the cluster runs it at a time: every process ticks, but only the holder of a
 * Postgres lease (renewed each tick, taken over when it expires) does the pass. Each pass looks
 * at `batchSize` rows of each list, continuing where the last pass stopped and wrapping around,
 * so its cost does not grow with the backlog.
 */
export function startDispatcher(options: {
  pool: Pool;
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
  const holder = randomUUID();
  const cursors = { unfinished: 0n, owed: 0n, waiting: 0n };
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();
  let stopped = false;

  /** The next window of a list: rows after the cursor, or from the start once it ran off the end. */
  const nextWindow = <T extends { seq: bigint }>(cursor: keyof typeof cursors, rows: T[]): T[] => {
    const last = rows.at(-1);
    cursors[cursor] = rows.length < batchSize || !last ? 0n : last.seq;
    return rows;
  };

  const dispatchOnce = async (): Promise<number> => {
    const acceptedBefore = new Date(Date.now() - options.minAgeMs);
    const unfinished = nextWindow(
      "unfinished",
      await findUnfinishedRequests(options.pool, {
        acceptedBefore,
        afterSeq: cursors.unfinished,
        limit: batchSize,
      }),
    );
    const recreated = await options.producer.ensureEnqueued(
      unfinished.map((row) => ({ v: 1 as const, requestId: row.id, orgId: row.orgId })),
    );
    if (recreated > 0) log.warn({ recreated, checked: unfinished.length }, "re-enqueued accepted requests");

    const owed = nextWindow(
      "owed",
      await findRequestsOwedEnrichment(options.pool, {
        dueBefore: acceptedBefore,
        afterSeq: cursors.owed,
        limit: batchSize,
      }),
    );
    const enrichments = await options.enrichmentProducer.ensureEnqueued(
      owed.map((row) => ({ v: 1 as const, requestId: row.id, orgId: row.orgId })),
    );
    if (enrichments > 0)
      log.warn({ recreated: enrichments, checked: owed.length }, "re-enqueued enrichment jobs");

    // Wake-ups a crashed worker never sent: the heads of waiting chains run now, not after their
    // (long) fallback delay.
    const waiting = nextWindow(
      "waiting",
      await findRunnableWaitingRequests(options.pool, {
        acceptedBefore,
        afterSeq: cursors.waiting,
        limit: batchSize,
      }),
    );
    const woken = await options.producer.promoteMany(waiting.filter((row) => row.head).map((row) => row.id));
    if (woken > 0) log.info({ woken }, "woke waiting requests whose turn had come");

    // Fairness between organisations ranks each job in its org's backlog, counted in Redis. A
    // count drifts (a decrement lost with a crashed worker, a job added twice, Redis wiped), so
    // each pass sets them all from the intake log. Adds and completions racing this pass can
    // leave each count off by the few jobs in flight meanwhile, until the next pass.
    const backlogs = await countBacklogsByOrg(options.pool);
    await options.producer.resetBacklogs(backlogs.unfinished);
    await options.enrichmentProducer.resetBacklogs(backlogs.owedEnrichment);

    // Batches whose last item's worker died before marking the batch finished.
    const batches = await finishDoneBatches(options.pool, { acceptedBefore, limit: batchSize });
    if (batches > 0) log.info({ batches }, "finished batches whose last item's worker had not");
    return recreated + enrichments;
  };

  const purge = async () => {
    const { purged, deletedPerBatch } = await purgeExpiredRequests(options.pool, {
      finishedBefore: new Date(Date.now() - options.retentionMs),
      batchSize: purgeBatch,
      maxBatches: purgeBatchesPerPass,
      pauseMs: purgePauseMs,
    });
    if (purged > 0)
      log.info({ purged, batches: deletedPerBatch.length }, "purged finished requests past retention");
    const batches = await purgeFinishedBatches(options.pool, {
      finishedBefore: new Date(Date.now() - options.retentionMs),
      limit: purgeBatch,
    });
    if (batches > 0) log.info({ batches }, "purged finished batches past retention");
  };

  const tick = async () => {
    try {
      // The lease outlives two intervals, so a holder that died is replaced within about that.
      if (await acquireLease(options.pool, { name: leaseName, holder, ttlMs: options.intervalMs * 2.5 })) {
        await dispatchOnce();
        await purge();
      }
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
      // Hand over at once rather than after the lease expires.
      await releaseLease(options.pool, { name: leaseName, holder }).catch(() => undefined);
    },
  };
}
