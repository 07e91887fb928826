import { createLogger, createShutdown, parseEnv, startOpsServer } from "@upsert/config";
import { createDb } from "@upsert/db";
import {
  announceRequestWritten,
  closeRedis,
  createJobProducer,
  createRedis,
  createWebhookDeliveryProducer,
  deliverWebhookJob,
  enrichContactJob,
  upsertContactJob,
} from "@upsert/queue";
import { createWebhookSender } from "@upsert/webhooks";
import { type Processor, Worker } from "bullmq";
import { createConcurrencyLimit } from "./adaptive-concurrency";
import { workerEnvSchema } from "./config";
import { startDispatcher } from "./dispatcher";
import { purgeCachedAnswers } from "./enrichment-cache";
import { createEnrichmentProvider } from "./enrichment-provider";
import { createOrgBudget } from "./enrichment-quota";
import { createWorkerMetrics } from "./metrics";
import {
  createRequestJobProcessor,
  type DeferralCause,
  type RequestJobProcessor,
  type RunOutcome,
} from "./processors/request-job.processor";
import { createWebhookDeliveryProcessor } from "./processors/webhook-delivery.processor";
import { enrichCreatedRecords } from "./upsert/enrich-created-records";
import { processUpsertRequest } from "./upsert/process-upsert-request";
import { startWebhookOutbox } from "./webhook-outbox";
import { deliverWebhook } from "./webhooks/deliver-webhook";

const env = parseEnv(workerEnvSchema, process.env, "worker");
const logger = createLogger({ name: "worker", level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });
const db = createDb(env.DATABASE_URL, {
  maxConnections: env.DATABASE_POOL_SIZE,
  preparedStatements: env.DATABASE_PREPARED_STATEMENTS,
  applicationName: "upsert-worker",
});
const redisTarget = { url: env.REDIS_URL, clusterNodes: env.REDIS_CLUSTER_NODES };
const workerRedis = createRedis(redisTarget, "worker");
const producerRedis = createRedis(redisTarget, "producer");
for (const redis of [workerRedis, producerRedis]) {
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
}
const queueOptions = { connection: producerRedis, prefix: env.QUEUE_PREFIX };
const upsertProducer = createJobProducer(upsertContactJob, queueOptions);
const enrichmentProducer = createJobProducer(enrichContactJob, queueOptions);
const webhookSender = createWebhookSender({
  timeoutMs: env.WEBHOOK_TIMEOUT_MS,
  allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
});
const provider = createEnrichmentProvider(env, logger, producerRedis);
const budget = createOrgBudget({
  redis: producerRedis,
  prefix: env.QUEUE_PREFIX,
  limit: env.ENRICHMENT_ORG_BUDGET,
  windowS: env.ENRICHMENT_ORG_BUDGET_WINDOW_S,
});
const webhookProducer = createWebhookDeliveryProducer(queueOptions);
const metrics = createWorkerMetrics({
  prisma: db.prisma,
  provider,
  queues: [
    { name: upsertContactJob.queue, producer: upsertProducer },
    { name: enrichContactJob.queue, producer: enrichmentProducer },
    { name: deliverWebhookJob.queue, producer: webhookProducer },
  ],
});
// Metrics, liveness and readiness on the operator's port (compose's healthcheck asks /readyz).
const opsServer = await startOpsServer({
  port: env.METRICS_PORT,
  host: env.METRICS_HOST,
  logger,
  metrics: metrics.registry,
  checkReadiness: async () => {
    const [postgres, redis] = await Promise.all([
      db.ping(),
      Promise.all([workerRedis.ping(), producerRedis.ping()]).then(
        () => true,
        () => false,
      ),
    ]);
    return { postgres, redis, workers: workers.length > 0 && workers.every((worker) => worker.isRunning()) };
  },
}).catch((err: unknown) => {
  // Another worker on this machine has the port: say how to fix it, rather than a stack trace.
  logger.fatal(
    { err, port: env.METRICS_PORT },
    "cannot serve metrics: set METRICS_PORT to a free port (0 picks one)",
  );
  process.exit(1);
});
const processorOptions = {
  logger,
  lockMs: env.JOB_LOCK_MS,
  orderingRetryDelayMs: env.ORDERING_RETRY_DELAY_MS,
};
const observeRunsOf =
  (queue: string) => (outcome: RunOutcome, seconds: number, deferredFor?: DeferralCause) => {
    metrics.observeRun(queue, outcome, seconds);
    if (deferredFor) metrics.observeDeferral(deferredFor);
  };

/** The writes: match, resolve the account, create or update; then hand over to enrichment. */
const upsertProcessor = createRequestJobProcessor({
  ...processorOptions,
  producer: upsertProducer,
  observe: observeRunsOf(upsertContactJob.queue),
  run: (requestId, { signal, logger }) =>
    processUpsertRequest(
      {
        pool: db.pool,
        logger,
        signal,
        unsafeBreak: env.UNSAFE_BREAK_FOR_TESTS,
        wake: (ids) => upsertProducer.promoteMany(ids),
        enqueueEnrichment: (job) => enrichmentProducer.enqueue(job),
        announceWritten: (id) => announceRequestWritten(producerRedis, env.QUEUE_PREFIX, id),
        purgeCachedAnswers: (orgId, identity) =>
          purgeCachedAnswers({ redis: producerRedis, prefix: env.QUEUE_PREFIX }, orgId, identity),
      },
      requestId,
    ),
});
/** The provider calls: slow, rate-limited, deferred while the provider is unavailable. */
const enrichmentProcessor = createRequestJobProcessor({
  ...processorOptions,
  producer: enrichmentProducer,
  observe: observeRunsOf(enrichContactJob.queue),
  run: (requestId, { signal, logger }) =>
    enrichCreatedRecords(
      { pool: db.pool, provider, logger, signal, budget, deferForMs: env.ENRICHMENT_DEFER_MAX_MS },
      requestId,
    ),
});

/** Webhook deliveries: one attempt per run, the next one scheduled as a delay. */
const webhookProcessor = createWebhookDeliveryProcessor({
  deliver: (deliveryId) =>
    deliverWebhook(
      {
        pool: db.pool,
        sender: webhookSender,
        logger,
        schedule: {
          baseDelayMs: env.WEBHOOK_RETRY_BASE_MS,
          maxDelayMs: env.WEBHOOK_RETRY_MAX_DELAY_MS,
          windowMs: env.WEBHOOK_RETRY_WINDOW_MS,
        },
        disableAfterMs: env.WEBHOOK_DISABLE_AFTER_MS,
      },
      deliveryId,
    ),
});

function startWorker(
  spec: { queue: string },
  processor: Pick<RequestJobProcessor, "process"> & Partial<Pick<RequestJobProcessor, "abandonLostRuns">>,
  concurrency: number,
  adaptive?: { headroom: number },
): Worker {
  // Adaptive: at most `concurrency` at once, fewer while more would only wait (adaptive-concurrency.ts).
  const limit = adaptive
    ? createConcurrencyLimit({
        max: concurrency,
        headroom: adaptive.headroom,
        onChange: (next) => {
          worker.concurrency = next;
          metrics.observeConcurrency(spec.queue, next);
        },
      })
    : undefined;
  const run: Processor = limit
    ? async (job, token, signal) => {
        const ended = limit.started();
        let done = false;
        try {
          await processor.process(job, token, signal);
          done = true;
        } finally {
          ended(done);
        }
      }
    : (processor.process as Processor);
  const worker = new Worker(spec.queue, run, {
    connection: workerRedis,
    prefix: env.QUEUE_PREFIX,
    concurrency: limit?.limit ?? concurrency,
    // A job whose process dies is handed to another worker after at most lock + stalled interval.
    lockDuration: env.JOB_LOCK_MS,
    stalledInterval: env.STALLED_INTERVAL_MS,
    // A stalled job is simply run again (processing is idempotent), however often that happens.
    maxStalledCount: 1_000,
  });
  metrics.observeConcurrency(spec.queue, worker.concurrency);
  if (limit) setInterval(() => limit.tick(), 250).unref();
  worker.on("failed", (job, err) =>
    logger.warn(
      { queue: spec.queue, jobId: job?.id, err, attemptsMade: job?.attemptsMade },
      "job attempt failed",
    ),
  );
  worker.on("error", (err) => logger.error({ queue: spec.queue, err }, "worker error"));
  // A job whose lock could not be renewed (event loop stalled, Redis unreachable) may already run
  // on another worker: its run here must stop before it writes (see writeUpsert).
  worker.on("lockRenewalFailed", (jobIds) => {
    processor
      .abandonLostRuns?.(jobIds)
      ?.catch((err: unknown) => logger.warn({ err }, "could not check lost job locks"));
  });
  return worker;
}
const workers: Worker[] = [
  startWorker(
    upsertContactJob,
    upsertProcessor,
    env.WORKER_CONCURRENCY,
    env.WORKER_CONCURRENCY_ADAPTIVE ? { headroom: env.WORKER_CONCURRENCY_HEADROOM } : undefined,
  ),
  startWorker(enrichContactJob, enrichmentProcessor, env.ENRICHMENT_CONCURRENCY),
  startWorker(deliverWebhookJob, { process: webhookProcessor }, env.WEBHOOK_CONCURRENCY),
];
if (env.UNSAFE_BREAK_FOR_TESTS)
  logger.error({ break: env.UNSAFE_BREAK_FOR_TESTS }, "UNSAFE_BREAK_FOR_TESTS is set: guarantees are OFF");

const dispatcher = startDispatcher({
  pool: db.pool,
  producer: upsertProducer,
  enrichmentProducer,
  logger,
  intervalMs: env.DISPATCH_INTERVAL_MS,
  minAgeMs: env.DISPATCH_MIN_AGE_MS,
  retentionMs: env.JOB_RETENTION_DAYS * 86_400_000,
});
const webhookOutbox = startWebhookOutbox({
  pool: db.pool,
  producer: webhookProducer,
  logger,
  pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
  repairIntervalMs: env.DISPATCH_INTERVAL_MS,
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
logger.info(
  {
    concurrency: env.WORKER_CONCURRENCY,
    adaptive: env.WORKER_CONCURRENCY_ADAPTIVE,
    headroom: env.WORKER_CONCURRENCY_HEADROOM,
    enrichmentConcurrency: env.ENRICHMENT_CONCURRENCY,
    prefix: env.QUEUE_PREFIX,
  },
  "worker started",
);

const shutdown = createShutdown({ logger, deadlineMs: env.SHUTDOWN_DEADLINE_MS });
// Worker.close() stops taking jobs and waits for active ones to finish.
shutdown.add("workers", () => Promise.all(workers.map((worker) => worker.close())));
shutdown.add("dispatcher", () => Promise.all([dispatcher.stop(), webhookOutbox.stop()]));
shutdown.add("metrics", () => opsServer.close());
shutdown.add("provider stats", async () => {
  clearInterval(statsTimer);
  logProviderStats();
});
shutdown.add("queue producers", async () => {
  await Promise.all([upsertProducer.close(), enrichmentProducer.close(), webhookProducer.close()]);
  webhookSender.close();
});
shutdown.add("redis", () => Promise.all([closeRedis(workerRedis), closeRedis(producerRedis)]));
shutdown.add("database", () => db.close());
shutdown.listen();
