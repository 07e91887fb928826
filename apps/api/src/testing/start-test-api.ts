import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createLogger, type Logger, startOpsServer } from "@upsert/config";
import { createDb, createIntakeRecorder, type Db } from "@upsert/db";
import {
  createDashboardQueues,
  createJobProducer,
  createRedis,
  createRequestWrittenListener,
  type JobProducer,
  type Redis,
  type RequestWrittenListener,
  upsertContactJob,
} from "@upsert/queue";
import { dropQueuePrefix } from "@upsert/testing";
import { createApp } from "../app";
import { apiEnvSchema } from "../config";
import { createApiKeyAuthenticator } from "../http/authenticate";
import { createHttpServer, type HttpServerLimits, httpServerLimitsOf } from "../http/http-server";
import { createApiMetrics } from "../http/metrics";
import { answerProtocolErrors } from "../http/protocol-errors";
import { createRateLimits } from "../http/rate-limit";

export interface TestApi {
  url: string;
  /** The operator's port (`/metrics`, `/healthz`, `/readyz`), as main.ts serves it on METRICS_PORT. */
  metricsUrl: string;
  db: Db;
  /** DATABASE_READ_URL's, when `readDatabaseUrl` was given. */
  readDb: Db | undefined;
  redis: Redis;
  producer: JobProducer;
  /** The app's listener for write announcements (`Prefer: wait`). */
  written: RequestWrittenListener;
  call(
    method: string,
    path: string,
    options?: {
      key?: string;
      body?: unknown;
      rawBody?: string | Uint8Array;
      headers?: Record<string, string>;
    },
  ): Promise<{ status: number; headers: Headers; body: unknown; text: string }>;
  close(): Promise<void>;
}

/** The real app on an ephemeral port, wired like main.ts but with test settings. */
export async function startTestApi(options: {
  databaseUrl: string;
  /** DATABASE_READ_URL: reads that may lag go there. */
  readDatabaseUrl?: string;
  redisUrl: string;
  queuePrefix: string;
  keyCacheTtlMs?: number;
  /** Where the app logs (see captureLogs); by default nowhere unless TEST_LOG_LEVEL is set. */
  logger?: Logger;
  /** Overrides of the HTTP limits (the defaults are the env schema's). */
  httpLimits?: Partial<HttpServerLimits>;
  intakeOutcomeDeadlineMs?: number;
  /** Requests per minute of an org without its own limit; high by default so other tests never meet it. */
  rateLimitPerMinute?: number;
  /** Failed authentications per minute per client address; high by default, like the above. */
  authFailuresPerMinute?: number;
  /** LIST_COUNT_LIMIT (default: the env schema's). */
  listCountLimit?: number;
  preferWaitMaxS?: number;
  /** WEBHOOK_ALLOW_PRIVATE (default true: test receivers listen on loopback). */
  webhookAllowPrivate?: boolean;
  /** ADMIN_TOKEN: turns the queue dashboard on. */
  adminToken?: string;
  /** BATCH_MAX_ITEMS, BATCH_MAX_BYTES (default: the env schema's). */
  batchMaxItems?: number;
  batchMaxBytes?: number;
  /** Batch items per minute of an org without its own limit; high by default. */
  itemsPerMinute?: number;
}): Promise<TestApi> {
  const logger =
    options.logger ?? createLogger({ name: "api-test", level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const db = createDb(options.databaseUrl, { maxConnections: 5 });
  const readDb = options.readDatabaseUrl
    ? createDb(options.readDatabaseUrl, { maxConnections: 5 })
    : undefined;
  const redis = createRedis(options.redisUrl, "producer");
  redis.on("error", () => {});
  const producer = createJobProducer(upsertContactJob, { connection: redis, prefix: options.queuePrefix });
  const subscriber = createRedis(options.redisUrl, "subscriber");
  subscriber.on("error", () => {});
  const written = createRequestWrittenListener({ subscriber, prefix: options.queuePrefix });
  const dashboardQueues = options.adminToken
    ? createDashboardQueues({ connection: redis, prefix: options.queuePrefix })
    : undefined;
  const metrics = createApiMetrics({ waitingRequests: () => written.waiting() });
  const checkReadiness = async () => ({ postgres: true, redis: redis.status === "ready" });
  const app = createApp({
    prisma: db.prisma,
    readPrisma: readDb?.prisma ?? db.prisma,
    intake: createIntakeRecorder(db.pool, {
      transactionPooling: db.transactionPooling,
      idempotencyWindowMs: 24 * 3_600_000,
      outcomeDeadlineMs: options.intakeOutcomeDeadlineMs ?? 2_000,
      maxConcurrentStatements: 2,
      maxBatchSize: 100,
    }),
    logger,
    producer,
    written,
    preferWaitMaxS: options.preferWaitMaxS ?? 30,
    // Tests play the proxy: they say which client they are with X-Forwarded-For.
    trustProxy: true,
    defaultPhoneRegion: "US",
    listCountLimit: options.listCountLimit ?? apiEnvSchema.parse({}).LIST_COUNT_LIMIT,
    batchMaxItems: options.batchMaxItems ?? apiEnvSchema.parse({}).BATCH_MAX_ITEMS,
    batchMaxBytes: options.batchMaxBytes ?? apiEnvSchema.parse({}).BATCH_MAX_BYTES,
    authenticator: createApiKeyAuthenticator({
      prisma: db.prisma,
      ttlMs: options.keyCacheTtlMs ?? 30_000,
      logger,
    }),
    rateLimits: createRateLimits({
      redis,
      prefix: options.queuePrefix,
      logger,
      defaultPerMinute: options.rateLimitPerMinute ?? 100_000,
      defaultItemsPerMinute: options.itemsPerMinute ?? 10_000_000,
      authFailuresPerMinute: options.authFailuresPerMinute ?? 100_000,
    }),
    checkReadiness,
    metrics,
    webhookAllowPrivate: options.webhookAllowPrivate ?? true,
    queueDashboard:
      dashboardQueues && options.adminToken
        ? { queues: dashboardQueues, adminToken: options.adminToken }
        : undefined,
  });
  const server = createHttpServer(app, {
    ...httpServerLimitsOf(apiEnvSchema.parse({})),
    ...options.httpLimits,
  }).listen(0, "127.0.0.1");
  answerProtocolErrors(server, logger);
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ops = await startOpsServer({
    port: 0,
    host: "127.0.0.1",
    logger,
    metrics: metrics.registry,
    checkReadiness,
  });

  return {
    url,
    metricsUrl: `http://127.0.0.1:${ops.port}`,
    db,
    readDb,
    redis,
    producer,
    written,
    async call(method, path, callOptions = {}) {
      const headers: Record<string, string> = { ...callOptions.headers };
      if (callOptions.key) headers.authorization = `Bearer ${callOptions.key}`;
      let body: string | Uint8Array | undefined = callOptions.rawBody;
      if (callOptions.body !== undefined) {
        body = JSON.stringify(callOptions.body);
        headers["content-type"] ??= "application/json";
      }
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ops.close();
      await producer.close();
      await dashboardQueues?.close();
      await written.close();
      subscriber.disconnect();
      redis.disconnect();
      await db.close();
      await readDb?.close();
      await dropQueuePrefix(options.redisUrl, options.queuePrefix).catch(() => 0);
    },
  };
}
