import { createLogger, createShutdown, parseEnv } from "@upsert/config";
import { createDb } from "@upsert/db";
import { createBuiltinProvider } from "@upsert/enrichment";
import { createRedis, createUpsertProducer, upsertContactJob } from "@upsert/queue";
import { Worker } from "bullmq";
import { workerEnvSchema } from "./config";
import { startDispatcher } from "./dispatcher";
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
const provider = createBuiltinProvider({
  latencyMs: env.ENRICHMENT_LATENCY_MS,
  failureRate: env.ENRICHMENT_FAILURE_RATE,
});

const worker = new Worker(
  upsertContactJob.queue,
  createUpsertContactProcessor({
    prisma: db.prisma,
    provider,
    logger,
    enrichmentAttempts: env.ENRICHMENT_ATTEMPTS,
    orderingRetryDelayMs: env.ORDERING_RETRY_DELAY_MS,
    producer,
  }),
  {
    connection: workerRedis,
    prefix: env.QUEUE_PREFIX,
    concurrency: env.WORKER_CONCURRENCY,
    // A job whose process dies is handed to another worker after at most lock + stalled interval.
    lockDuration: env.JOB_LOCK_MS,
    stalledInterval: env.STALLED_INTERVAL_MS,
    // A stalled job is simply run again (processing is idempotent), however often that happens.
    maxStalledCount: 1_000,
  },
);
worker.on("failed", (job, err) =>
  logger.warn({ jobId: job?.id, err, attemptsMade: job?.attemptsMade }, "job attempt failed"),
);
worker.on("error", (err) => logger.error({ err }, "worker error"));

const dispatcher = startDispatcher({
  prisma: db.prisma,
  producer,
  logger,
  intervalMs: env.DISPATCH_INTERVAL_MS,
  minAgeMs: env.DISPATCH_MIN_AGE_MS,
  retentionMs: env.JOB_RETENTION_DAYS * 86_400_000,
});
logger.info({ concurrency: env.WORKER_CONCURRENCY, prefix: env.QUEUE_PREFIX }, "worker started");

const shutdown = createShutdown({ logger, deadlineMs: env.SHUTDOWN_DEADLINE_MS });
// worker.close() stops taking jobs and waits for active ones to finish.
shutdown.add("worker", () => worker.close());
shutdown.add("dispatcher", () => dispatcher.stop());
shutdown.add("queue producer", () => producer.close());
shutdown.add("redis", () => Promise.all([workerRedis.quit(), producerRedis.quit()]));
shutdown.add("database", () => db.close());
shutdown.listen();
