import { randomUUID } from "node:crypto";
import type { Logger } from "@upsert/config";
import {
  acquireLease,
  claimUnqueuedDeliveries,
  findPendingDeliveries,
  type Pool,
  purgeFinishedDeliveries,
  releaseLease,
} from "@upsert/db";
import type { WebhookDeliveryProducer } from "@upsert/queue";

export interface WebhookOutbox {
  /** Hands every delivery not yet queued to the delivery queue; returns how many. */
  drainOnce(): Promise<number>;
  /** One repair pass (when this process holds the lease): returns the jobs re-created. */
  repairOnce(): Promise<number>;
  stop(): Promise<void>;
}

const leaseName = "webhook-outbox";
const claimBatch = 500;

/**
 * The webhook outbox's consumer. Deliveries are written by the transaction of the outcome they
 * report (see the webhooks migration), never by the worker after its commit, so a worker killed in
 * between loses nothing. Every worker process polls for rows not yet queued (`FOR UPDATE SKIP
 * LOCKED`, so pollers never hand over the same row twice; an empty partial index where nobody
 * uses webhooks). Like the dispatcher, the holder of a Postgres lease also runs a repair pass
 * every `repairIntervalMs`: a window of pending deliveries queued more than `minAgeMs` ago whose
 * job Redis does not have (lost, or a poller died between its claim and its add) is added again,
 * one BullMQ gave up on is retried; then finished deliveries past retention are purged.
 */
export function startWebhookOutbox(options: {
  pool: Pool;
  producer: WebhookDeliveryProducer;
  logger: Logger;
  pollIntervalMs: number;
  repairIntervalMs: number;
  minAgeMs: number;
  retentionMs: number;
  batchSize?: number;
}): WebhookOutbox {
  const log = options.logger.child({ component: "webhook-outbox" });
  const batchSize = options.batchSize ?? 1_000;
  const holder = randomUUID();
  let cursor = 0n;
  let stopped = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let repairTimer: NodeJS.Timeout | undefined;
  let polling: Promise<unknown> = Promise.resolve();
  let repairing: Promise<unknown> = Promise.resolve();

  const drainOnce = async () => {
    let queued = 0;
    for (;;) {
      const claimed = await claimUnqueuedDeliveries(options.pool, claimBatch);
      await options.producer.enqueue(claimed);
      queued += claimed.length;
      if (claimed.length < claimBatch || stopped) return queued;
    }
  };

  const repairOnce = async () => {
    const rows = await findPendingDeliveries(options.pool, {
      queuedBefore: new Date(Date.now() - options.minAgeMs),
      afterSeq: cursor,
      limit: batchSize,
    });
    const last = rows.at(-1);
    cursor = rows.length < batchSize || !last ? 0n : last.seq;
    const recreated = await options.producer.ensureEnqueued(rows);
    if (recreated > 0) log.warn({ recreated, checked: rows.length }, "re-enqueued webhook deliveries");
    const purged = await purgeFinishedDeliveries(options.pool, {
      finishedBefore: new Date(Date.now() - options.retentionMs),
      limit: batchSize,
    });
    if (purged > 0) log.info({ purged }, "purged finished webhook deliveries past retention");
    return recreated;
  };

  const poll = async () => {
    try {
      const queued = await drainOnce();
      if (queued > 0) log.debug({ queued }, "queued webhook deliveries");
    } catch (err) {
      log.warn({ err }, "webhook outbox poll failed; retrying next interval");
    }
    if (!stopped) pollTimer = setTimeout(startPoll, options.pollIntervalMs);
  };
  const repair = async () => {
    try {
      const ttlMs = options.repairIntervalMs * 2.5;
      if (await acquireLease(options.pool, { name: leaseName, holder, ttlMs })) await repairOnce();
    } catch (err) {
      log.warn({ err }, "webhook outbox repair failed; retrying next interval");
    }
    if (!stopped) repairTimer = setTimeout(startRepair, options.repairIntervalMs);
  };
  const startPoll = () => {
    polling = poll();
  };
  const startRepair = () => {
    repairing = repair();
  };
  pollTimer = setTimeout(startPoll, 0);
  repairTimer = setTimeout(startRepair, Math.min(options.repairIntervalMs, 1_000));

  return {
    drainOnce,
    repairOnce,
    async stop() {
      stopped = true;
      clearTimeout(pollTimer);
      clearTimeout(repairTimer);
      await Promise.all([polling, repairing]);
      await releaseLease(options.pool, { name: leaseName, holder }).catch(() => undefined);
    },
  };
}
