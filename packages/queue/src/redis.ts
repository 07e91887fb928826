import { Redis, type RedisOptions } from "ioredis";

export type { Redis };

/**
 * - `producer`: the API's connection. Commands fail at once while Redis is down (no offline
 *   queue, one retry), so intake answers from Postgres instead of hanging.
 * - `worker`: BullMQ workers need `maxRetriesPerRequest: null` and wait for Redis to return.
 * - `subscriber`: a pub/sub connection (see request-written.ts): like a worker's, it waits for
 *   Redis to return, and ioredis resubscribes once it has.
 */
export function createRedis(
  url: string,
  role: "producer" | "worker" | "subscriber",
  options: RedisOptions = {},
): Redis {
  const base: RedisOptions =
    role === "producer"
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true };
  return new Redis(url, {
    ...base,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    lazyConnect: false,
    ...options,
  });
}

/**
 * Closes a connection at shutdown: QUIT when it is open, else just drop it. QUIT on a connection
 * that is closing (BullMQ closes the ones it shares while it stops) rejects, which is not a fault.
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === "end") return;
  await redis.quit().catch(() => redis.disconnect());
}
