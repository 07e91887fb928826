import { Redis, type RedisOptions } from "ioredis";

export type { Redis };

/**
 * - `producer`: the API's connection. Commands fail at once while Redis is down (no offline
 *   queue, one retry), so intake answers from Postgres instead of hanging.
 * - `worker`: BullMQ workers need `maxRetriesPerRequest: null` and wait for Redis to return.
 */
export function createRedis(url: string, role: "producer" | "worker", options: RedisOptions = {}): Redis {
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
