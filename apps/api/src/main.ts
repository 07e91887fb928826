import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createLogger, createShutdown, parseEnv, startOpsServer } from "@upsert/config";
import { createDb, createIntakeRecorder } from "@upsert/db";
import type { CountryCode } from "@upsert/domain";
import {
  closeRedis,
  createDashboardQueues,
  createJobProducer,
  createRedis,
  createRequestWrittenListener,
  upsertContactJob,
} from "@upsert/queue";
import { createApp } from "./app";
import { apiEnvSchema } from "./config";
import { createApiKeyAuthenticator } from "./http/authenticate";
import { createHttpServer, httpServerLimitsOf } from "./http/http-server";
import { createApiMetrics } from "./http/metrics";
import { answerProtocolErrors } from "./http/protocol-errors";
import { createRateLimits } from "./http/rate-limit";

const env = parseEnv(apiEnvSchema, process.env, "api");
const logger = createLogger({ name: "api", level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });
const db = createDb(env.DATABASE_URL, {
  maxConnections: env.DATABASE_POOL_SIZE,
  preparedStatements: env.DATABASE_PREPARED_STATEMENTS,
  applicationName: "upsert-api",
});
// Reads that may lag (see README "Read replica"); the primary when no DATABASE_READ_URL is set.
const readDb = env.DATABASE_READ_URL
  ? createDb(env.DATABASE_READ_URL, {
      maxConnections: env.DATABASE_READ_POOL_SIZE,
      preparedStatements: env.DATABASE_PREPARED_STATEMENTS,
      applicationName: "upsert-api-read",
    })
  : undefined;
const redisTarget = { url: env.REDIS_URL, clusterNodes: env.REDIS_CLUSTER_NODES };
const redis = createRedis(redisTarget, "producer");
redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
const producer = createJobProducer(upsertContactJob, { connection: redis, prefix: env.QUEUE_PREFIX });
// One subscription for every request waiting on its write (`Prefer: wait`), however many there are.
const subscriber = createRedis(redisTarget, "subscriber");
subscriber.on("error", (err) => logger.warn({ err: err.message }, "redis subscriber connection error"));
const written = createRequestWrittenListener({ subscriber, prefix: env.QUEUE_PREFIX });
const metrics = createApiMetrics({ waitingRequests: () => written.waiting() });
const checkReadiness = async () => {
  const [postgres, redisUp] = await Promise.all([
    db.ping(),
    redis.ping().then(
      () => true,
      () => false,
    ),
  ]);
  return { postgres, redis: redisUp };
};

// The dashboard's queues read through the producer connection; only built when it is turned on.
const dashboardQueues = env.ADMIN_TOKEN
  ? createDashboardQueues({ connection: redis, prefix: env.QUEUE_PREFIX })
  : undefined;

const app = createApp({
  prisma: db.prisma,
  readPrisma: readDb?.prisma ?? db.prisma,
  intake: createIntakeRecorder(db.pool, {
    transactionPooling: db.transactionPooling,
    idempotencyWindowMs: env.IDEMPOTENCY_WINDOW_HOURS * 3_600_000,
    outcomeDeadlineMs: env.INTAKE_OUTCOME_DEADLINE_MS,
    maxConcurrentStatements: env.INTAKE_CONCURRENT_STATEMENTS,
    maxBatchSize: env.INTAKE_MAX_BATCH,
  }),
  logger,
  producer,
  written,
  preferWaitMaxS: env.PREFER_WAIT_MAX_S,
  trustProxy: env.TRUST_PROXY,
  defaultPhoneRegion: env.DEFAULT_PHONE_REGION as CountryCode,
  listCountLimit: env.LIST_COUNT_LIMIT,
  webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
  queueDashboard:
    dashboardQueues && env.ADMIN_TOKEN ? { queues: dashboardQueues, adminToken: env.ADMIN_TOKEN } : undefined,
  batchMaxItems: env.BATCH_MAX_ITEMS,
  batchMaxBytes: env.BATCH_MAX_BYTES,
  authenticator: createApiKeyAuthenticator({ prisma: db.prisma, ttlMs: env.API_KEY_CACHE_TTL_MS, logger }),
  rateLimits: createRateLimits({
    redis,
    prefix: env.QUEUE_PREFIX,
    logger,
    defaultPerMinute: env.RATE_LIMIT_PER_MINUTE,
    defaultItemsPerMinute: env.RATE_LIMIT_ITEMS_PER_MINUTE,
    authFailuresPerMinute: env.AUTH_FAILURES_PER_MINUTE,
    redisTimeoutMs: env.RATE_LIMIT_REDIS_TIMEOUT_MS,
  }),
  checkReadiness,
  metrics,
});

const server = createHttpServer(app, httpServerLimitsOf(env)).listen(env.PORT, env.HOST);
answerProtocolErrors(server, logger);
await once(server, "listening");
const { port } = server.address() as AddressInfo;
logger.info({ port }, "api listening");
// Metrics (and health again) on the operator's port, not the public one.
const opsServer = await startOpsServer({
  port: env.METRICS_PORT,
  host: env.METRICS_HOST,
  logger,
  metrics: metrics.registry,
  checkReadiness,
}).catch((err: unknown) => {
  logger.fatal(
    { err, port: env.METRICS_PORT },
    "cannot serve metrics: set METRICS_PORT to a free port (0 picks one)",
  );
  process.exit(1);
});

const shutdown = createShutdown({ logger, deadlineMs: env.SHUTDOWN_DEADLINE_MS });
// Requests waiting on `Prefer: wait` (up to PREFER_WAIT_MAX_S) are answered 202 first, so the
// server can close within the deadline.
shutdown.add("write announcements", () => written.close());
shutdown.add("http server", async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
});
shutdown.add("metrics", () => opsServer.close());
shutdown.add("queue producer", () => Promise.all([producer.close(), dashboardQueues?.close()]));
shutdown.add("redis", () => Promise.all([closeRedis(redis), closeRedis(subscriber)]));
shutdown.add("database", () => Promise.all([db.close(), readDb?.close()]));
shutdown.listen();
