import { queueNames, type Redis } from "@upsert/queue";
import { Queue } from "bullmq";

/**
 * The upsert queue, paused while requests are pre-loaded and worker processes start (so their
 * start-up is not timed), resumed to start a drain. Pausing is BullMQ's own: workers stay
 * connected and take nothing.
 */
export interface UpsertQueueControl {
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Worker processes connected to the queue now. */
  workerCount(): Promise<number>;
  close(): Promise<void>;
}

export function controlUpsertQueue(connection: Redis, prefix: string): UpsertQueueControl {
  const queue = new Queue(queueNames.upsertContact, { connection, prefix });
  queue.on("error", () => {});
  return {
    pause: () => queue.pause(),
    resume: () => queue.resume(),
    workerCount: () => queue.getWorkersCount(),
    close: () => queue.close(),
  };
}
