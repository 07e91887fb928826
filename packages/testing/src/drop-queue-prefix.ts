import { Redis } from "ioredis";

/**
 * Deletes every key under a test's queue prefix (`<prefix>:*`), so tests on the shared Redis
 * leave nothing behind. Only that prefix is touched; never a flush.
 */
export async function dropQueuePrefix(redisUrl: string, prefix: string): Promise<number> {
  if (!/^test-[0-9a-f]+$/.test(prefix)) throw new Error(`refusing to drop non-test prefix "${prefix}"`);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let deleted = 0;
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1_000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== "0");
    return deleted;
  } finally {
    redis.disconnect();
  }
}
