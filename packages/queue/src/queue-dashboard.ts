import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { Queue } from "bullmq";
import { queueNames } from "./queue-names";
import type { Redis } from "./redis";

export interface DashboardQueues {
  /** bull-board adapters of every queue of the service (upsert, enrichment, webhook delivery). */
  adapters: BullMQAdapter[];
  close(): Promise<void>;
}

/**
 * The queues as the dashboard (bull-board, mounted by apps/api) shows and manages them. Built here
 * because only this package and apps/worker construct BullMQ objects: the API stays free of
 * bullmq, and queue names and prefixes have one owner.
 */
export function createDashboardQueues(options: { connection: Redis; prefix: string }): DashboardQueues {
  const queues = Object.values(queueNames).map((name) => {
    const queue = new Queue(name, { connection: options.connection, prefix: options.prefix });
    queue.on("error", () => {});
    return queue;
  });
  return {
    adapters: queues.map((queue) => new BullMQAdapter(queue)),
    close: async () => {
      await Promise.all(queues.map((queue) => queue.close()));
    },
  };
}
