import type { Redis } from "./redis";

/**
 * Fairness between organisations (see docs/design.md, "Fairness between organisations"): each
 * job's BullMQ priority is its rank in its organisation's backlog, so the k-th pending job of
 * every organisation runs before the (k+1)-th of any. One org's 20,000-job import then holds up
 * another org's single upsert by about one job, not 20,000.
 *
 * The backlog is one Redis hash per queue, `<prefix>:fair:<queue>`, field = org id, value = that
 * org's jobs added and not yet done. Under the queue prefix, so with a hash-tagged prefix
 * (`{upsert}`) it lives in the queue's Redis Cluster slot.
 */
export interface OrgBacklog {
  /**
   * Counts `count` new jobs for each org (one round trip, whatever the number of orgs) and
   * returns each org's rank before them: the i-th new job (from 1) of org o ranks `rank + i`.
   */
  reserve(counts: ReadonlyMap<string, number>): Promise<Map<string, number>>;
  /** One job of `orgId` is done; the count never goes below zero. */
  settle(orgId: string): Promise<void>;
  /** Replaces every org's count (the dispatcher's repair, from the intake log). */
  reset(counts: ReadonlyMap<string, number>): Promise<void>;
}

/** BullMQ's largest priority: ranks beyond it share it (and run in the order they were added). */
export const maxPriority = 2_097_152;

/** The BullMQ priority of a job of rank `rank` (1 = its org's next job). */
export const priorityOfRank = (rank: number): number => Math.min(maxPriority, Math.max(1, rank));

// Decrement, and drop the field at zero so the hash only holds orgs with a backlog. A job that is
// settled twice (a stalled run of a finished job) cannot drive the count negative.
const settleScript = `
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return left`;

export function createOrgBacklog(redis: Redis, options: { prefix: string; queue: string }): OrgBacklog {
  const key = `${options.prefix}:fair:${options.queue}`;
  return {
    async reserve(counts) {
      const orgs = [...counts.keys()];
      const pipeline = redis.pipeline();
      for (const org of orgs) pipeline.hincrby(key, org, counts.get(org) ?? 0);
      const replies = (await pipeline.exec()) ?? [];
      const ranks = new Map<string, number>();
      orgs.forEach((org, index) => {
        const [err, total] = replies[index] ?? [new Error("no reply")];
        if (err) throw err;
        ranks.set(org, Number(total) - (counts.get(org) ?? 0));
      });
      return ranks;
    },
    async settle(orgId) {
      await redis.eval(settleScript, 1, key, orgId);
    },
    async reset(counts) {
      const entries = [...counts].filter(([, count]) => count > 0);
      // One transaction: readers see the old counts or the new ones, never an empty hash between.
      const transaction = redis.multi().del(key);
      if (entries.length > 0) transaction.hset(key, Object.fromEntries(entries));
      await transaction.exec();
    },
  };
}
