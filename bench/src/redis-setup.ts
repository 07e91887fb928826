import { closeRedis, createRedis, type Redis } from "@upsert/queue";
import { dropQueuePrefix, startRedisServer, uniqueQueuePrefix } from "@upsert/testing";
import type { Cleanup } from "./cleanup";

export interface BenchRedis {
  url: string;
  /** Pid of the redis-server process (from INFO), whose CPU counts as the stack's. */
  pid: number;
  /** A queue prefix no one else uses; its keys are deleted at cleanup (with the private server). */
  newPrefix(): string;
  /** Deletes a prefix's keys now (a backlog's jobs that must never run). */
  dropPrefix(prefix: string): Promise<void>;
  connection: Redis;
}

/**
 * A private redis-server by default: the machine's shared one also serves other people's tests,
 * whose commands would be counted as ours. `sharedUrl` uses an existing server instead.
 */
export async function setUpRedis(sharedUrl: string | null, cleanup: Cleanup): Promise<BenchRedis> {
  let url = sharedUrl;
  if (url === null) {
    const server = await startRedisServer();
    cleanup.add(`stop redis-server (pid ${server.pid})`, () => server.stop());
    url = server.url;
  }
  const connection = createRedis(url, "worker");
  connection.on("error", () => {});
  cleanup.add("close redis connection", () => closeRedis(connection));
  const info = await connection.info("server");
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  if (!Number.isInteger(pid)) throw new Error("redis INFO server gave no process_id");
  const redisUrl = url;
  return {
    url,
    pid,
    connection,
    newPrefix() {
      const prefix = uniqueQueuePrefix();
      // A private server's keys go with it (and on Ctrl-C it has already stopped).
      if (sharedUrl !== null)
        cleanup.add(`delete redis keys ${prefix}:*`, () => dropQueuePrefix(redisUrl, prefix));
      return prefix;
    },
    async dropPrefix(prefix) {
      await dropQueuePrefix(redisUrl, prefix);
    },
  };
}
