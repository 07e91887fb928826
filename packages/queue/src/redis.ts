import { Cluster, type ClusterOptions, type RedisOptions, Redis as SingleRedis } from "ioredis";

/**
 * A connection to Redis: one server, or a Redis Cluster (ioredis's Cluster client, which routes
 * each command to the master of its key's slot). BullMQ and rate-limiter-flexible take either.
 */
export type Redis = SingleRedis | Cluster;

/** Where Redis is: a URL, or cluster seed nodes (with the URL's credentials and TLS). */
export interface RedisTarget {
  url: string;
  /** When set, a Redis Cluster reached through these nodes; the URL's host and port are unused. */
  clusterNodes?: readonly { host: string; port: number }[];
}

const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2_000);

/**
 * - `producer`: the API's connection. Commands fail at once while Redis is down (no offline
 *   queue, one retry), so intake answers from Postgres instead of hanging.
 * - `worker`: BullMQ workers need `maxRetriesPerRequest: null` and wait for Redis to return.
 * - `subscriber`: a pub/sub connection (see request-written.ts): like a worker's, it waits for
 *   Redis to return, and ioredis resubscribes once it has.
 *
 * With `clusterNodes` the same roles are built on a Cluster client (the per-command settings go
 * to each node's connection, the offline queue to the cluster). Every key the service uses is
 * derived from the queue prefix, whose hash tag (`{upsert}`) puts them in one slot, so queues'
 * Lua scripts and the multi-key transactions stay valid on a cluster.
 */
export function createRedis(
  target: RedisTarget | string,
  role: "producer" | "worker" | "subscriber",
  options: RedisOptions = {},
): Redis {
  const { url, clusterNodes } =
    typeof target === "string" ? { url: target, clusterNodes: undefined } : target;
  const producer = role === "producer";
  const perCommand: RedisOptions = producer
    ? { maxRetriesPerRequest: 1, connectTimeout: 2_000 }
    : { maxRetriesPerRequest: null };
  if (clusterNodes && clusterNodes.length > 0) {
    const clusterOptions: ClusterOptions = {
      enableOfflineQueue: !producer,
      clusterRetryStrategy: retryStrategy,
      lazyConnect: false,
      redisOptions: { ...credentialsOf(url), ...perCommand, ...options },
    };
    return new Cluster([...clusterNodes], clusterOptions);
  }
  return new SingleRedis(url, {
    ...perCommand,
    enableOfflineQueue: !producer,
    retryStrategy,
    lazyConnect: false,
    ...options,
  });
}

/** The user, password and TLS of a `redis://` / `rediss://` URL, for every node of a cluster. */
function credentialsOf(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
  };
}

/**
 * Closes a connection at shutdown: QUIT when it is open, else just drop it. QUIT on a connection
 * that is closing (BullMQ closes the ones it shares while it stops) rejects, which is not a fault.
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === "end") return;
  await redis.quit().catch(() => redis.disconnect());
}
