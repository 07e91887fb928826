import { type ChildProcess, execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { findFreePort, spawnOnFreePort, terminate } from "./start-redis-server";
import { waitFor } from "./wait-for";

const run = promisify(execFile);

export interface RedisCluster {
  /** The masters, each serving a third of the slots. */
  readonly nodes: readonly { host: string; port: number }[];
  /** `127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3`: the value for REDIS_CLUSTER_NODES. */
  readonly nodesEnv: string;
  /** Pids of the redis-server processes. */
  readonly pids: readonly number[];
  /** Every key matching `pattern` (SCAN MATCH) on each master, with the master that holds it. */
  scanKeys(pattern: string): Promise<{ key: string; node: string }[]>;
  /** The hash slot of a key (CLUSTER KEYSLOT). */
  keySlot(key: string): Promise<number>;
  /** Stops every node (SIGTERM, by pid) and removes their directories. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a Redis Cluster of `masters` redis-server processes (no replicas) on free loopback
 * ports, each with its own directory and nothing persisted, joins them with
 * `redis-cli --cluster create`, and waits until every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(options: { masters?: number } = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const root = await mkdtemp(path.join(tmpdir(), "upsert-redis-cluster-"));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(children.map((child) => terminate(child, "SIGTERM")));
    await rm(root, { recursive: true, force: true });
  };

  try {
    for (let i = 0; i < masters; i += 1) {
      const dir = path.join(root, `node-${i}`);
      await mkdir(dir);
      const { port, child } = await spawnOnFreePort({
        dir,
        appendonly: false,
        // The bus port defaults to port + 10000, which may not exist above 55535: pick one too.
        extraArgs: async () => [
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          path.join(dir, "nodes.conf"),
          "--cluster-port",
          String(await findFreePort()),
        ],
      });
      children.push(child);
      ports.push(port);
    }
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await run(
      "redis-cli",
      ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes"],
      {
        timeout: 30_000,
      },
    );
    await waitFor(
      async () => {
        const states = await Promise.all(
          ports.map((port) => run("redis-cli", ["-p", String(port), "cluster", "info"], { timeout: 5_000 })),
        );
        return states.every(({ stdout }) => stdout.includes("cluster_state:ok"));
      },
      { timeoutMs: 20_000, intervalMs: 100, message: "the Redis Cluster did not reach cluster_state:ok" },
    );
  } catch (error) {
    await stop();
    throw error;
  }

  // One plain connection per node for inspection: each command goes to that node only.
  const withNode = async <T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await redis.connect();
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  };
  return {
    async scanKeys(pattern) {
      const found: { key: string; node: string }[] = [];
      for (const port of ports)
        await withNode(port, async (redis) => {
          let cursor = "0";
          do {
            const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1_000);
            cursor = next;
            for (const key of keys) found.push({ key, node: `127.0.0.1:${port}` });
          } while (cursor !== "0");
        });
      return found;
    },
    keySlot: (key) => withNode(ports[0] ?? 0, async (redis) => Number(await redis.cluster("KEYSLOT", key))),
    nodes: ports.map((port) => ({ host: "127.0.0.1", port })),
    nodesEnv: ports.map((port) => `127.0.0.1:${port}`).join(","),
    pids: children.map((child) => child.pid ?? -1),
    stop,
  };
}
