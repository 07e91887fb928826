import { randomBytes } from "node:crypto";

/** A BullMQ prefix no other test (or parallel test run) uses, so queues never see each other's jobs. */
export function uniqueQueuePrefix(): string {
  return `test-${randomBytes(6).toString("hex")}`;
}
