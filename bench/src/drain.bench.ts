import { availableParallelism } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { type AppProcess, waitFor } from "@upsert/testing";
import type { BenchDatabase, BenchOrg } from "./bench-database";
import type { Cleanup } from "./cleanup";
import type { BenchSettings } from "./config";
import { createBody, personEmail, updateBody, warmupEmails } from "./contact-bodies";
import { putAll, runIntakeLoad } from "./load";
import { startCpuMeter, waitUntilQuiet } from "./process-cpu";
import { assertRunning, type HttpServerProcess, startProjectApi, startWorkers } from "./processes";
import { controlUpsertQueue, type UpsertQueueControl } from "./queue-control";
import type { BenchRedis } from "./redis-setup";

export interface DrainRun {
  kind: "create" | "update";
  workers: number;
  requests: number;
  /** False when the deadline passed first: the figures are then over the part that finished. */
  complete: boolean;
  failed: number;
  seconds: number;
  per_s: number;
  /** Machine CPU ms per request: worker process(es) + the database's backends + Redis. */
  cpu_ms_per_req: number;
  worker_cpu_ms_per_req: number;
  postgres_cpu_ms_per_req: number;
  redis_cpu_ms_per_req: number;
  /** How busy the whole machine was meanwhile (all cores = 100; includes other users). */
  machine_busy_pct: number;
}

/** A database, an API on it and the queue its workers consume: what drains run against. */
export interface DrainStack {
  database: BenchDatabase;
  org: BenchOrg;
  api: HttpServerProcess;
  queue: UpsertQueueControl;
  workerEnv: Record<string, string>;
  /** The known companies' accounts exist (the first warm-up created them). */
  warmedUp: boolean;
}

export interface DrainContext {
  settings: BenchSettings;
  redis: BenchRedis;
  cleanup: Cleanup;
  log: (line: string) => void;
}

export async function startDrainStack(context: DrainContext, database: BenchDatabase): Promise<DrainStack> {
  const { settings, redis, cleanup } = context;
  const queuePrefix = redis.newPrefix();
  const [org] = await database.createOrgs(1, "Drain");
  if (!org) throw new Error("no organisation created");
  const api = await startProjectApi({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix }, cleanup);
  const queue = controlUpsertQueue(redis.connection, queuePrefix);
  cleanup.add("close queue control", () => queue.close());
  await queue.pause();
  return {
    database,
    org,
    api,
    queue,
    warmedUp: false,
    workerEnv: {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: queuePrefix,
      ENRICHMENT_LATENCY_MS: "0",
      WORKER_CONCURRENCY: String(settings.workerConcurrency),
      WORKER_CONCURRENCY_ADAPTIVE: String(!settings.fixedConcurrency),
      ENRICHMENT_CONCURRENCY: String(settings.workerConcurrency),
      DATABASE_POOL_SIZE: String(settings.workerPoolSize),
      // The dispatcher would hand the backlog (accepted under another prefix) to these workers;
      // off in every drain, so the drains compare like with like.
      DISPATCH_INTERVAL_MS: String(3_600_000),
      DISPATCH_MIN_AGE_MS: String(86_400_000),
    },
  };
}

/**
 * One drain phase: start `workers` processes on the paused queue, warm them up (creates and
 * updates, untimed), then for each kind pre-load `requests` requests through the API, resume
 * the queue and time until every one is finished (written, and enriched when it created
 * something). Creates are new people; updates are the same people again.
 */
export async function runDrainPhase(
  context: DrainContext,
  stack: DrainStack,
  options: { workers: number; tag: string; kinds: DrainRun["kind"][] },
): Promise<DrainRun[]> {
  const { settings, log } = context;
  const { queue } = stack;
  log(`drain: starting ${options.workers} worker(s)`);
  const workers = startWorkers(options.workers, stack.workerEnv, context.cleanup);
  try {
    await waitForWorkers(queue, workers);
    // The first warm-up of an organisation creates the known companies' accounts; later ones
    // only need to get each process's code paths compiled.
    const warm = warmupEmails(`${options.tag}-warm`, 20 * options.workers, { knownDomains: !stack.warmedUp });
    stack.warmedUp = true;
    log(`drain: warming up with ${warm.length} creates and updates`);
    await drainOnce(context, stack, workers, warm.map(createBody), "warm-up creates");
    await drainOnce(context, stack, workers, warm.map(updateBody), "warm-up updates");
    // Autovacuum is off on this machine; in production it would have analysed these tables by
    // now, and without statistics the planner reads every account of the org for each lookup.
    await stack.database.client.query("ANALYZE");
    await waitUntilQuiet(workers.map((w) => w.pid));

    const runs: DrainRun[] = [];
    const email = (i: number) => personEmail(options.tag, i, { knownDomains: true });
    for (const kind of options.kinds) {
      const bodies = Array.from({ length: settings.drainRequests }, (_, i) =>
        kind === "create" ? createBody(email(i), i) : updateBody(email(i), i),
      );
      const label = `${bodies.length} ${kind}s, ${options.workers} worker(s)`;
      log(`drain: ${label}: pre-loading through the API`);
      const run = await drainOnce(context, stack, workers, bodies, label);
      runs.push({ kind, workers: options.workers, ...run });
      log(
        `drain: ${label}: ${run.per_s.toFixed(1)}/s, ${run.cpu_ms_per_req.toFixed(2)} ms CPU each${run.complete ? "" : " (INCOMPLETE: deadline passed)"}`,
      );
    }
    return runs;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** Pre-loads `bodies` with the queue paused, then resumes it and measures until they are finished. */
async function drainOnce(
  context: DrainContext,
  stack: DrainStack,
  workers: AppProcess[],
  bodies: string[],
  label: string,
): Promise<Omit<DrainRun, "kind" | "workers">> {
  const { database, org, queue } = stack;
  await putAll(stack.api.url, org.key, bodies);
  const before = await database.countFinished(org.id);
  const meter = await startCpuMeter({
    worker: () => workers.map((w) => w.pid),
    postgres: () => database.backendPids(),
    redis: () => [context.redis.pid],
  });
  const started = performance.now();
  await queue.resume();
  const deadline = Date.now() + context.settings.drainDeadlineMs;
  let now = before;
  for (;;) {
    now = await database.countFinished(org.id);
    if (now.finished - before.finished >= bodies.length || Date.now() > deadline) break;
    for (const [i, worker] of workers.entries()) assertRunning(`worker ${i + 1}`, worker);
    await sleep(25); // the count is an index lookup; a short drain still ends within 2% of its time
  }
  const seconds = (performance.now() - started) / 1_000;
  const usage = await meter.stop();
  const requests = now.finished - before.finished;
  if (requests < bodies.length) {
    // The figures stand for the part that finished; the rest must not run into the next drain.
    context.log(`drain: ${label}: only ${requests} of ${bodies.length} finished; letting the rest finish`);
    await waitFor(
      async () => (await database.countFinished(org.id)).finished - before.finished >= bodies.length,
      { timeoutMs: context.settings.drainDeadlineMs, intervalMs: 500, message: `${label} did not finish` },
    );
  }
  await queue.pause();
  const perRequest = (ms: number) => ms / Math.max(requests, 1);
  const worker = usage.ms.worker ?? 0;
  const postgres = usage.ms.postgres ?? 0;
  const redis = usage.ms.redis ?? 0;
  return {
    requests,
    complete: requests >= bodies.length,
    failed: now.failed - before.failed,
    seconds,
    per_s: requests / seconds,
    cpu_ms_per_req: perRequest(worker + postgres + redis),
    worker_cpu_ms_per_req: perRequest(worker),
    postgres_cpu_ms_per_req: perRequest(postgres),
    redis_cpu_ms_per_req: perRequest(redis),
    machine_busy_pct: (100 * usage.machineBusyMs) / (usage.elapsedMs * availableParallelism()),
  };
}

export async function waitForWorkers(queue: UpsertQueueControl, workers: AppProcess[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await queue.workerCount()) < workers.length) {
    // A worker that cannot start (bad config, no database) says why instead of timing out.
    for (const [i, worker] of workers.entries()) assertRunning(`worker ${i + 1}`, worker);
    if (Date.now() > deadline) throw new Error(`${workers.length} worker(s) did not connect to the queue`);
    await sleep(100);
  }
}

/**
 * Rows of other people, accepted through another API process under a queue prefix no worker
 * consumes (its jobs are then deleted): unwritten intake rows ahead of every later request, as a
 * large backlog leaves them. Returns how many were accepted.
 */
export async function loadBacklog(context: DrainContext, stack: DrainStack, rows: number): Promise<number> {
  const { redis, cleanup } = context;
  const prefix = redis.newPrefix();
  const api = await startProjectApi(
    { databaseUrl: stack.database.url, redisUrl: redis.url, queuePrefix: prefix },
    cleanup,
  );
  // autocannon rather than putAll: many requests, and which people they are does not matter.
  const load = await runIntakeLoad({
    url: api.url,
    keys: [stack.org.key],
    connections: context.settings.connections,
    length: { amount: rows },
    tag: "backlog",
    email: (tag, i) => personEmail(tag, i, { knownDomains: false }),
    body: createBody,
  });
  await api.process.stop();
  await redis.dropPrefix(prefix);
  if (load.non2xx > 0 || load.errors > 0) {
    throw new Error(`backlog: ${load.non2xx} of ${rows} requests refused, ${load.errors} failed`);
  }
  return load.responses;
}
