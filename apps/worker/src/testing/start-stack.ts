import { createDb, createOrganization, type Db } from "@upsert/db";
import { enrichContactJob, upsertContactJob } from "@upsert/queue";
import {
  type AppProcess,
  createTestDatabase,
  dropQueuePrefix,
  findFreePort,
  type RedisCluster,
  startAppProcess,
  type TestDatabase,
  uniqueQueuePrefix,
  waitFor,
} from "@upsert/testing";

export interface JobView {
  id: string;
  status: string;
  stage: string | null;
  attempts: number;
  result: Record<string, unknown> | null;
  error: { code: string; message: string; details?: unknown } | null;
}

export interface Stack {
  db: Db;
  database: TestDatabase;
  api: AppProcess;
  workers: AppProcess[];
  apiUrl: string;
  key: string;
  orgId: string;
  /** Environment every worker of this stack gets (for starting replacements). */
  workerEnv: Record<string, string>;
  startWorker(): AppProcess;
  put(body: unknown): Promise<{ status: number; jobId: string }>;
  /** Any API call with this stack's key; the parsed JSON body. */
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Polls until the job has succeeded or failed, and its enrichment job (if any) has finished. */
  finished(jobId: string, timeoutMs?: number): Promise<JobView>;
  job(id: string): Promise<JobView>;
  /**
   * Takes the identity lock workers need for `key` (e.g. `email:ann@acme.com`) in a transaction of
   * its own, so a worker's run stops just before its write; the returned function releases it.
   */
  holdIdentityLock(key: string): Promise<() => Promise<void>>;
  /**
   * Waits until no accepted request is queued or running or owed enrichment, and the workers'
   * logs have caught up.
   */
  drain(timeoutMs?: number): Promise<void>;
  /** Accepted requests not finished yet (their write or their enrichment). */
  pending(): Promise<number>;
  /** How many calls the workers' logs say reached the enrichment provider (of one kind, or all). */
  providerCalls(kind?: "person" | "company"): number;
  /**
   * A metric scraped from the running workers' `GET /metrics`, summed over them and over the
   * series whose labels include `labels` (0 when no series matches).
   */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The service as production runs it: one API process and `workers` worker processes, on a fresh
 * database and this stack's own queue prefix (and Redis, when `redisUrl` is given). With
 * `redisCluster`, every process talks to that Redis Cluster (REDIS_CLUSTER_NODES, a `{hash tag}`
 * prefix) and REDIS_URL names a port nothing listens on, so no connection can bypass the cluster.
 */
export async function startStack(options: {
  workers: number;
  redisUrl?: string;
  redisCluster?: RedisCluster;
  workerEnv?: Record<string, string>;
  /** Environment of the API and the workers, e.g. DATABASE_URL through PgBouncer (default: the database itself). */
  appEnv?: (database: TestDatabase) => Record<string, string>;
  /** Environment added to the API process's (e.g. DATABASE_READ_URL, RATE_LIMIT_ITEMS_PER_MINUTE). */
  apiEnv?: Record<string, string> | ((database: TestDatabase) => Record<string, string>);
}): Promise<Stack> {
  const database = await createTestDatabase();
  const db = createDb(database.url, { maxConnections: 3 });
  const { redisCluster } = options;
  const env: Record<string, string> = {
    ...(redisCluster
      ? {
          DATABASE_URL: database.url,
          REDIS_URL: `redis://127.0.0.1:${await findFreePort()}`,
          REDIS_CLUSTER_NODES: redisCluster.nodesEnv,
          QUEUE_PREFIX: uniqueQueuePrefix({ hashTag: true }),
        }
      : {
          DATABASE_URL: database.url,
          REDIS_URL: options.redisUrl ?? "redis://127.0.0.1:6379",
          QUEUE_PREFIX: uniqueQueuePrefix(),
        }),
    ...options.appEnv?.(database),
  };
  const workerEnv = {
    ...env,
    ENRICHMENT_LATENCY_MS: "200",
    WORKER_CONCURRENCY: "20",
    DATABASE_POOL_SIZE: "8",
    ...options.workerEnv,
  };
  const apiEnv = typeof options.apiEnv === "function" ? options.apiEnv(database) : options.apiEnv;
  const api = startAppProcess("api", { ...env, PORT: "0", HOST: "127.0.0.1", ...apiEnv });
  const workers: AppProcess[] = [];
  const startWorker = () => {
    const worker = startAppProcess("worker", workerEnv);
    workers.push(worker);
    return worker;
  };
  for (let i = 0; i < options.workers; i += 1) startWorker();

  const stop = async () => {
    await Promise.all([api.stop(), ...workers.map((w) => w.stop())]);
    await db.close();
    await database.drop();
    // Its own Redis may be gone; a cluster's keys go with the cluster, which its owner stops.
    if (!redisCluster) await dropQueuePrefix(env.REDIS_URL ?? "", env.QUEUE_PREFIX ?? "").catch(() => 0);
  };

  let port: string;
  try {
    port = await waitFor(() => /"port":(\d+)[^\n]*api listening/.exec(api.output())?.[1], {
      timeoutMs: 30_000,
      intervalMs: 100,
      message: "api did not start",
    });
    await waitFor(() => workers.every((w) => w.output().includes("worker started")), {
      timeoutMs: 30_000,
      intervalMs: 100,
      message: "workers did not start",
    });
  } catch (err) {
    // A stack that never came up leaves no processes, database or keys behind.
    await stop().catch(() => undefined);
    throw err;
  }
  const { org, apiKey } = await createOrganization(db.prisma, { name: "Stack" });
  const apiUrl = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${apiKey.secret}`, "content-type": "application/json" };

  /**
   * Job states are read over HTTP or SQL, the workers' logs over pipes that may lag behind them:
   * waits for the last line of each request's runs (the upsert job's, and the enrichment job's
   * when it had one), so counts taken from the logs (providerCalls) are complete. A worker
   * SIGKILLed between its commit and that line never writes it, so this gives up after a few
   * seconds instead of failing; an assertion on the counts still fails if they are short.
   */
  async function logsCaughtUp(where: { id: string } | { status: "succeeded" }) {
    const rows = await db.prisma.intakeRequest.findMany({ where, select: { id: true, enrichedAt: true } });
    await waitFor(
      () => {
        const logged = new Set<string>();
        for (const w of workers)
          for (const line of w.output().split("\n")) {
            const run =
              line.includes('"msg":"job processed"') && /"queue":"([^"]+)","jobId":"([^"]+)"/.exec(line);
            if (run) logged.add(`${run[1]}:${run[2]}`);
          }
        return rows.every(
          (row) =>
            logged.has(`${upsertContactJob.queue}:${row.id}`) &&
            (!row.enrichedAt || logged.has(`${enrichContactJob.queue}:${row.id}`)),
        );
      },
      { timeoutMs: 5_000, intervalMs: 50 },
    ).catch(() => undefined);
  }

  async function job(id: string): Promise<JobView> {
    const res = await fetch(`${apiUrl}/v1/jobs/${id}`, { headers });
    return ((await res.json()) as { data: JobView }).data;
  }

  const stack: Stack = {
    db,
    database,
    api,
    workers,
    apiUrl,
    key: apiKey.secret,
    orgId: org.id,
    workerEnv,
    startWorker,
    async put(body) {
      const res = await fetch(`${apiUrl}/v1/contacts`, {
        method: "PUT",
        headers,
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { data?: { job_id: string } };
      return { status: res.status, jobId: json.data?.job_id ?? "" };
    },
    async call(method, path, body) {
      const res = await fetch(`${apiUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as never };
    },
    async finished(jobId, timeoutMs = 30_000) {
      await waitFor(
        async () => {
          const row = await db.prisma.intakeRequest.findUnique({ where: { id: jobId } });
          return (row?.status === "succeeded" || row?.status === "failed") && !row.enrichmentDueAt;
        },
        { timeoutMs, intervalMs: 100, message: `job ${jobId} did not finish (with its enrichment)` },
      );
      await logsCaughtUp({ id: jobId });
      return job(jobId);
    },
    job,
    async holdIdentityLock(key) {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = () => {};
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holder = db.prisma.$transaction(
        async (tx) => {
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${org.id}:${key}`}, 0))`;
          locked();
          await released;
        },
        { timeout: 120_000 },
      );
      await Promise.race([isLocked, holder]);
      return async () => {
        release();
        await holder;
      };
    },
    pending: () =>
      db.prisma.intakeRequest.count({
        where: { OR: [{ status: { in: ["queued", "running"] } }, { enrichmentDueAt: { not: null } }] },
      }),
    async drain(timeoutMs = 60_000) {
      await waitFor(async () => (await stack.pending()) === 0, {
        timeoutMs,
        intervalMs: 200,
        message: "accepted requests did not all finish",
      });
      await logsCaughtUp({ status: "succeeded" });
    },
    async metric(name, labels = {}) {
      let sum = 0;
      for (const worker of workers.filter((w) => w.isRunning())) {
        const port = /"port":(\d+)[^\n]*"msg":"metrics listening"/.exec(worker.output())?.[1];
        if (!port) continue;
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        for (const line of text.split("\n")) {
          const series = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
          if (!series || series[1] !== name) continue;
          const seriesLabels = Object.fromEntries(
            [...(series[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
          );
          if (Object.entries(labels).every(([key, value]) => seriesLabels[key] === value))
            sum += Number(series[3]);
        }
      }
      return sum;
    },
    providerCalls: (kind) =>
      workers
        .flatMap((w) => w.output().split("\n"))
        .filter(
          (line) =>
            line.includes("enrichment provider called") &&
            (kind === undefined || line.includes(kind === "person" ? '"person":true' : '"company":')),
        ).length,
    stop,
  };
  return stack;
}
