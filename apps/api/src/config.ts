import {
  booleanSchema,
  databaseUrlSchema,
  logLevelSchema,
  logPrettySchema,
  optionalDatabaseUrlSchema,
  positiveIntSchema,
  preparedStatementsSchema,
  queuePrefixSchema,
  redisClusterNodesSchema,
  redisUrlSchema,
  requireClusterHashTag,
} from "@upsert/config";
import { z } from "zod";

export const apiEnvSchema = z
  .object({
    DATABASE_URL: databaseUrlSchema,
    REDIS_URL: redisUrlSchema,
    /** Seed nodes of a Redis Cluster (`host:port,...`); REDIS_URL then only gives credentials and TLS. */
    REDIS_CLUSTER_NODES: redisClusterNodesSchema,
    QUEUE_PREFIX: queuePrefixSchema,
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    HOST: z.string().default("0.0.0.0"),
    /**
     * Port of the API's operator endpoints (`GET /metrics`, `/healthz`, `/readyz`), apart from the
     * public PORT; 0 picks a free one (logged). The worker's default is 9464.
     */
    METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9465),
    METRICS_HOST: z.string().default("0.0.0.0"),
    LOG_LEVEL: logLevelSchema,
    LOG_PRETTY: logPrettySchema,
    /** Revocation reaches a running API within this TTL (at most 60 s by design). */
    API_KEY_CACHE_TTL_MS: positiveIntSchema(30_000).pipe(z.number().max(60_000)),
    /** Requests per minute of an organisation without its own limit (Monaco's is 100). */
    RATE_LIMIT_PER_MINUTE: positiveIntSchema(100).pipe(z.number().max(100_000)),
    /** Failed authentications per minute from one client address before it is answered 429. */
    AUTH_FAILURES_PER_MINUTE: positiveIntSchema(20),
    /** A rate-limit count Redis has not answered within this long is counted in memory instead. */
    RATE_LIMIT_REDIS_TIMEOUT_MS: positiveIntSchema(250),
    /**
     * Which proxies' `X-Forwarded-For` to believe for the client address (the failed-auth limit,
     * logs): `false` (the connection's address), a number of proxy hops, or a comma-separated
     * list of proxy addresses or subnets, as Express's `trust proxy`. `true` believes any sender.
     */
    TRUST_PROXY: z
      .string()
      .trim()
      .default("false")
      .transform((value): boolean | number | string => {
        if (value === "true" || value === "false") return value === "true";
        return /^\d+$/.test(value) ? Number(value) : value;
      }),
    IDEMPOTENCY_WINDOW_HOURS: positiveIntSchema(24),
    /** Region used to read phone numbers written without a country code (ISO 3166-1 alpha-2). */
    DEFAULT_PHONE_REGION: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .default("US"),
    DATABASE_POOL_SIZE: positiveIntSchema(10),
    /**
     * A replica (or any other route to the same data) for job polling without `Prefer: wait`,
     * lists and reads by id; writes, intake and `Prefer: wait` answers stay on DATABASE_URL.
     */
    DATABASE_READ_URL: optionalDatabaseUrlSchema,
    DATABASE_READ_POOL_SIZE: positiveIntSchema(10),
    DATABASE_PREPARED_STATEMENTS: preparedStatementsSchema,
    /** How long to find out whether a request committed when its connection died mid-statement. */
    INTAKE_OUTCOME_DEADLINE_MS: positiveIntSchema(2_000),
    /** Intake statements in flight at once; requests arriving meanwhile share the next (group commit). */
    INTAKE_CONCURRENT_STATEMENTS: positiveIntSchema(2),
    /** Most requests recorded by one intake statement. */
    INTAKE_MAX_BATCH: positiveIntSchema(100),
    /**
     * List endpoints count matches up to this many rows past the requested page; beyond it the
     * count is a lower bound and `pagination.total_count_exact` is false.
     */
    LIST_COUNT_LIMIT: positiveIntSchema(10_000),
    /** Most items in one batch (POST /v1/contacts/batch, /v1/accounts/batch). */
    BATCH_MAX_ITEMS: positiveIntSchema(1_000).pipe(z.number().max(100_000)),
    /** Largest batch body in bytes (6 MiB); other bodies stay limited to 256 KiB. */
    BATCH_MAX_BYTES: positiveIntSchema(6 * 1024 * 1024).pipe(z.number().max(64 * 1024 * 1024)),
    /** Batch items per minute of an organisation without its own limit. */
    RATE_LIMIT_ITEMS_PER_MINUTE: positiveIntSchema(100_000).pipe(z.number().max(10_000_000)),
    /** `Prefer: wait=N` waits at most this many seconds for a write (0: never waits). */
    PREFER_WAIT_MAX_S: z.coerce.number().int().min(0).max(300).default(30),
    /**
     * Turns on the queue dashboard at /admin/queues, open only to this token (Bearer header, or
     * `?token=` once in a browser). Unset: no dashboard (404). At least 16 characters.
     */
    ADMIN_TOKEN: z.string().min(16).optional(),
    /** Test-only: accepts webhook URLs that resolve to loopback, private and link-local addresses. */
    WEBHOOK_ALLOW_PRIVATE: booleanSchema(false),
    SHUTDOWN_DEADLINE_MS: positiveIntSchema(10_000),
    /** A client must have sent its whole request (headers and body) within this long. */
    HTTP_REQUEST_TIMEOUT_MS: positiveIntSchema(30_000),
    /** ... and its headers within this long. */
    HTTP_HEADERS_TIMEOUT_MS: positiveIntSchema(10_000),
    /** An idle keep-alive connection is closed after this long. */
    HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveIntSchema(5_000),
    /** Open connections per process; more are closed as soon as they connect. */
    HTTP_MAX_CONNECTIONS: positiveIntSchema(10_000),
  })
  .refine((env) => env.HTTP_HEADERS_TIMEOUT_MS <= env.HTTP_REQUEST_TIMEOUT_MS, {
    path: ["HTTP_HEADERS_TIMEOUT_MS"],
    error: "must not exceed HTTP_REQUEST_TIMEOUT_MS",
  })
  .superRefine(requireClusterHashTag);
export type ApiEnv = z.infer<typeof apiEnvSchema>;
