import { type JobsOptions, Queue } from "bullmq";
import { z } from "zod";
import { queueNames } from "./queue-names";
import type { Redis } from "./redis";

/** A delivery job carries ids only: the body, URL and secret are in Postgres (webhook_deliveries). */
export const webhookDeliveryPayloadSchema = z.object({
  v: z.literal(1),
  deliveryId: z.uuid(),
  orgId: z.uuid(),
});
export type WebhookDeliveryPayload = z.infer<typeof webhookDeliveryPayloadSchema>;

/**
 * One job per delivery (job id = delivery id), run until the delivery is no longer pending. The
 * retry schedule is the processor's (it moves the job to delayed until the next attempt is due,
 * as recorded in Postgres); BullMQ's own attempts only cover faults of the processor itself
 * (Postgres or Redis unreachable).
 */
export const deliverWebhookJob = {
  queue: queueNames.deliverWebhook,
  name: "webhook.delivery",
  options: {
    attempts: 10,
    backoff: { type: "exponential", delay: 1_000 },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 24 * 3600 },
  } satisfies JobsOptions,
} as const;

export interface QueuedWebhookDelivery {
  id: string;
  orgId: string;
  /** When its next attempt is due. */
  dueAt: Date;
}

export interface WebhookDeliveryProducer {
  /** Adds the deliveries' jobs (one addBulk), each delayed until it is due. Existing ids are no-ops. */
  enqueue(deliveries: readonly QueuedWebhookDelivery[]): Promise<void>;
  /** Adds the jobs Redis does not have and retries the ones BullMQ gave up on; returns how many. */
  ensureEnqueued(deliveries: readonly QueuedWebhookDelivery[]): Promise<number>;
  /** Jobs by state, for metrics and tests. */
  countByState(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export function createWebhookDeliveryProducer(options: {
  connection: Redis;
  prefix: string;
}): WebhookDeliveryProducer {
  const queue = new Queue<WebhookDeliveryPayload>(deliverWebhookJob.queue, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: deliverWebhookJob.options,
  });
  queue.on("error", () => {});

  const add = async (deliveries: readonly QueuedWebhookDelivery[]) => {
    if (deliveries.length === 0) return;
    const now = Date.now();
    await queue.addBulk(
      deliveries.map((delivery) => ({
        name: deliverWebhookJob.name,
        data: webhookDeliveryPayloadSchema.parse({ v: 1, deliveryId: delivery.id, orgId: delivery.orgId }),
        opts: {
          ...deliverWebhookJob.options,
          jobId: delivery.id,
          delay: Math.max(0, delivery.dueAt.getTime() - now),
        },
      })),
    );
  };

  return {
    enqueue: add,
    async ensureEnqueued(deliveries) {
      const states = await Promise.all(deliveries.map((delivery) => queue.getJobState(delivery.id)));
      const missing = deliveries.filter((_, index) => states[index] === "unknown");
      const failed = deliveries.filter((_, index) => states[index] === "failed");
      await add(missing);
      await Promise.all(failed.map(async (delivery) => (await queue.getJob(delivery.id))?.retry("failed")));
      return missing.length + failed.length;
    },
    countByState: () => queue.getJobCounts("waiting", "active", "delayed", "prioritized", "failed"),
    close: () => queue.close(),
  };
}
