import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createLogger, createShutdown, parseEnv } from "@upsert/config";
import { createDb, createIntakeRecorder } from "@upsert/db";
import type { CountryCode } from "@upsert/domain";
import {
  closeRedis,
  createJobProducer,
  createRedis,
  createRequestWrittenListener,
  upsertContactJob,
} from "@upsert/queue";
import { createApp } from "./app";
import { apiEnvSchema } from "./config";
import { createApiKeyAuthenticator } from "./http/authenticate";
import { createHttpServer, httpServerLimitsOf } from "./http/http-server";
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
const redis = createRedis(env.REDIS_URL, "producer");
redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
const producer = createJobProducer(upsertContactJob, { connection: redis, prefix: env.QUEUE_PREFIX });
// One subscription for every request waiting on its write (`Prefer: wait`), however many there are.
const subscriber = createRedis(env.REDIS_URL, "subscriber");
subscriber.on("error", (err) => logger.warn({ err: err.message }, "redis subscriber connection error"));
const written = createRequestWrittenListener({ subscriber, prefix: env.QUEUE_PREFIX });

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
  authenticator: createApiKeyAuthenticator({ prisma: db.prisma, ttlMs: env.API_KEY_CACHE_TTL_MS, logger }),
  rateLimits: createRateLimits({
    redis,
    prefix: env.QUEUE_PREFIX,
    logger,
    defaultPerMinute: env.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: env.AUTH_FAILURES_PER_MINUTE,
    redisTimeoutMs: env.RATE_LIMIT_REDIS_TIMEOUT_MS,
  }),
  checkReadiness: async () => {
    const [postgres, redisUp] = await Promise.all([
      db.prisma.$queryRaw`SELECT 1`.then(
        () => true,
        () => false,
      ),
      redis.ping().then(
        () => true,
        () => false,
      ),
    ]);
    return { postgres, redis: redisUp };
  },
});

const server = createHttpServer(app, httpServerLimitsOf(env)).listen(env.PORT, env.HOST);
answerProtocolErrors(server, logger);
await once(server, "listening");
const { port } = server.address() as AddressInfo;
logger.info({ port }, "api listening");

const shutdown = createShutdown({ logger, deadlineMs: env.SHUTDOWN_DEADLINE_MS });
// Requests waiting on `Prefer: wait` (up to PREFER_WAIT_MAX_S) are answered 202 first, so the
// server can close within the deadline.
shutdown.add("write announcements", () => written.close());
shutdown.add("http server", async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
});
shutdown.add("queue producer", () => producer.close());
shutdown.add("redis", () => Promise.all([closeRedis(redis), closeRedis(subscriber)]));
shutdown.add("database", () => Promise.all([db.close(), readDb?.close()]));
shutdown.listen();
