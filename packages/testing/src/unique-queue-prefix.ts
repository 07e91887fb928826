import { randomBytes } from "node:crypto";

/**
 * A BullMQ prefix no other test (or parallel test run) uses, so queues never see each other's jobs.
 * `hashTag`: wrapped in braces (`{test-…}`), as a Redis Cluster needs.
 */
export function uniqueQueuePrefix(options: { hashTag?: boolean } = {}): string {
  const prefix = `test-${randomBytes(6).toString("hex")}`;
  return options.hashTag ? `{${prefix}}` : prefix;
}
