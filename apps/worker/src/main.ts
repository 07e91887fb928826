import { createLogger, createShutdown, parseEnv } from "@upsert/config";
import { createDb } from "@upsert/db";
import { closeRedis, createRedis, createUpsertProducer, upsertContactJob } from "@upsert/queue";
import { Worker } from "bullmq";
import { workerEnvSchema } from "./config";
import { startDispatcher } from "./dispatcher";
import { createEnrichmentProvider } from "./enrichment-provider";
import { createOrgBudget } from "./enrichment-quota";
import { createUpsertContactProcessor } from "./processors/upsert-contact.processor";

const env = parseEnv(workerEnvSchema, process.env, "worker");
const logger = createLogger({ name: "worker", level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });
const db = createDb(env.DATABASE_URL, { maxConnections: env.DATABASE_POOL_SIZE });
const workerRedis = createRedis(env.REDIS_URL, "worker");
const producerRedis = createRedis(env.REDIS_URL, "producer");
for (const redis of [workerRedis, producerRedis]) {
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
}
const producer = createUpsertProducer({ connection: producerRedis, prefix: env.QUEUE_PREFIX });
const provider = createEnrichmentProvider(env, logger, producerRedis);

const processor = createUpsertContactProcessor({
  prisma: db.prisma,
  provider,
  logger,
  enrichmentDeferForMs: env.ENRICHMENT_DEFER_MAX_MS,
  budget: createOrgBudget({
    redis: producerRedis,
    prefix: env.QUEUE_PREFIX,
    limit: env.ENRICHMENT_ORG_BUDGET,
    windowS: env.ENRICHMENT_ORG_BUDGET_WINDOW_S,
  }),
  orderingRetryDelayMs: env.ORDERING_RETRY_DELAY_MS,
  lockMs: env.JOB_LOCK_MS,
  producer,
  unsafeBreak: env.UNSAFE_BREAK_FOR_TESTS,
});
const worker = new Worker(upsertContactJob.queue, processor.process, {
  connection: workerRedis,
  prefix: env.QUEUE_PREFIX,
  concurrency: env.WORKER_CONCURRENCY,
  // A job whose process dies is handed to another worker after at most lock + stalled interval.
  lockDuration: env.JOB_LOCK_MS,
  stalledInterval: env.STALLED_INTERVAL_MS,
  // A stalled job is simply run again (processing is idempotent), however often that happens.
  maxStalledCount: 1_000,
});
worker.on("failed", (job, err) =>
  logger.warn({ jobId: job?.id, err, attemptsMade: job?.attemptsMade }, "job attempt failed"),
);
worker.on("error", (err) => logger.error({ err }, "worker error"));
// A job whose lock could not be renewed (event loop stalled, Redis unreachable) may already run on
// another worker: its run here must stop before its write (see writeUpsert).
worker.on("lockRenewalFailed", (jobIds) => {
  processor
    .abandonLostRuns(jobIds, (id) =>
      producerRedis.get(`${env.QUEUE_PREFIX}:${upsertContactJob.queue}:${id}:lock`),
    )
    .catch((err: unknown) => logger.warn({ err }, "could not check lost job locks"));
});
if (env.UNSAFE_BREAK_FOR_TESTS)
  logger.error({ break: env.UNSAFE_BREAK_FOR_TESTS }, "UNSAFE_BREAK_FOR_TESTS is set: guarantees are OFF");

const dispatcher = startDispatcher({
  prisma: db.prisma,
  producer,
  logger,
  intervalMs: env.DISPATCH_INTERVAL_MS,
  minAgeMs: env.DISPATCH_MIN_AGE_MS,
  retentionMs: env.JOB_RETENTION_DAYS * 86_400_000,
});
// Provider observability: call counts, latency, failures, breaker state and quota refusals.
let lastStats = "";
const logProviderStats = () => {
  const stats = provider.stats();
  const snapshot = JSON.stringify(stats);
  if (snapshot !== lastStats) logger.info({ enrichment: stats }, "enrichment provider stats");
  lastStats = snapshot;
};
const statsTimer = setInterval(logProviderStats, env.PROVIDER_STATS_INTERVAL_MS);
statsTimer.unref();
logger.info({ concurrency: env.WORKER_CONCURRENCY, prefix: env.QUEUE_PREFIX }, "worker started");

const shutdown = createShutdown({ logger, deadlineMs: env.SHUTDOWN_DEADLINE_MS });
// worker.close() stops taking jobs and waits for active ones to finish.
shutdown.add("worker", () => worker.close());
shutdown.add("dispatcher", () => dispatcher.stop());
shutdown.add("provider stats", async () => {
  clearInterval(statsTimer);
  logProviderStats();
});
shutdown.add("queue producer", () => producer.close());
shutdown.add("redis", () => Promise.all([closeRedis(workerRedis), closeRedis(producerRedis)]));
shutdown.add("database", () => db.close());
shutdown.listen();
