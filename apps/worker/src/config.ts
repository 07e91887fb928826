import {
  booleanSchema,
  databaseUrlSchema,
  logLevelSchema,
  logPrettySchema,
  positiveIntSchema,
  preparedStatementsSchema,
  queuePrefixSchema,
  redisClusterNodesSchema,
  redisUrlSchema,
  requireClusterHashTag,
} from "@upsert/config";
import { z } from "zod";

export const workerEnvSchema = z
  .object({
    DATABASE_URL: databaseUrlSchema,
    REDIS_URL: redisUrlSchema,
    /** Seed nodes of a Redis Cluster (`host:port,...`); REDIS_URL then only gives credentials and TLS. */
    REDIS_CLUSTER_NODES: redisClusterNodesSchema,
    QUEUE_PREFIX: queuePrefixSchema,
    LOG_LEVEL: logLevelSchema,
    LOG_PRETTY: logPrettySchema,
    /**
     * Upsert (write) jobs one process runs at once at most; each holds a database connection
     * briefly. With WORKER_CONCURRENCY_ADAPTIVE the process runs fewer while more would only wait.
     */
    WORKER_CONCURRENCY: positiveIntSchema(50),
    /** Find the write concurrency from run times, up to WORKER_CONCURRENCY (adaptive-concurrency.ts). */
    WORKER_CONCURRENCY_ADAPTIVE: booleanSchema(true),
    /**
     * Writes the adaptive limit keeps beyond the point where they start to queue: lower favours
     * other organisations' latency during an import, higher the import's throughput.
     */
    WORKER_CONCURRENCY_HEADROOM: positiveIntSchema(2),
    /** Enrichment jobs one process runs at once (mostly waiting on the provider). */
    ENRICHMENT_CONCURRENCY: positiveIntSchema(50),
    /** BullMQ lock: a job whose worker stops renewing it for this long is handed to another. */
    JOB_LOCK_MS: positiveIntSchema(30_000),
    /** How often each worker looks for stalled jobs. */
    STALLED_INTERVAL_MS: positiveIntSchema(15_000),
    /** How often the dispatcher re-enqueues accepted requests Redis does not know about. */
    DISPATCH_INTERVAL_MS: positiveIntSchema(10_000),
    /** A request younger than this is left to the API's own enqueue. */
    DISPATCH_MIN_AGE_MS: positiveIntSchema(5_000),
    /** Finished intake rows (job status) are kept this long. */
    JOB_RETENTION_DAYS: positiveIntSchema(7),
    /** Delay before a request waiting on an earlier one for the same identity is retried. */
    ORDERING_RETRY_DELAY_MS: positiveIntSchema(250),
    /** Which enrichment provider: the built-in stand-in, People Data Labs, Apollo or a webhook. */
    ENRICHMENT_PROVIDER: z.enum(["builtin", "pdl", "apollo", "webhook"]).default("builtin"),
    /** The built-in provider's simulated latency (a real provider takes seconds). */
    ENRICHMENT_LATENCY_MS: z.coerce.number().int().min(0).default(2_000),
    /** Fraction of built-in provider calls that fail, for testing failure handling. */
    ENRICHMENT_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
    PDL_API_KEY: z.string().min(1).optional(),
    PDL_BASE_URL: z.url().optional(),
    APOLLO_API_KEY: z.string().min(1).optional(),
    APOLLO_BASE_URL: z.url().optional(),
    ENRICHMENT_WEBHOOK_URL: z.url().optional(),
    ENRICHMENT_WEBHOOK_SECRET: z.string().min(1).optional(),
    /** Per provider call. */
    ENRICHMENT_TIMEOUT_MS: positiveIntSchema(10_000),
    /** Provider calls per enrichment (the first included) before it is deferred or failed. */
    ENRICHMENT_ATTEMPTS: positiveIntSchema(3),
    ENRICHMENT_BACKOFF_MS: positiveIntSchema(500),
    ENRICHMENT_MAX_BACKOFF_MS: positiveIntSchema(10_000),
    /** A 429 whose Retry-After is longer than this defers the enrichment instead of waiting in the job. */
    ENRICHMENT_MAX_RETRY_AFTER_MS: positiveIntSchema(5_000),
    ENRICHMENT_BREAKER_THRESHOLD: positiveIntSchema(5),
    ENRICHMENT_BREAKER_HALF_OPEN_MS: positiveIntSchema(30_000),
    /** Provider calls per rate window across all worker processes (0: no limit). */
    ENRICHMENT_RATE_LIMIT: z.coerce.number().int().min(0).default(0),
    ENRICHMENT_RATE_WINDOW_S: positiveIntSchema(60),
    /** Provider calls per organisation per budget window (0: no budget). */
    ENRICHMENT_ORG_BUDGET: z.coerce.number().int().min(0).default(0),
    ENRICHMENT_ORG_BUDGET_WINDOW_S: positiveIntSchema(86_400),
    /**
     * How long a provider answer (person by the whole question, company by domain) is reused
     * within its organisation; 0: never. Short by default: the answers are personal data.
     */
    ENRICHMENT_CACHE_TTL_S: z.coerce.number().int().min(0).default(86_400),
    /** How often the provider's counters are logged (when they changed). */
    PROVIDER_STATS_INTERVAL_MS: positiveIntSchema(60_000),
    /** Port of the worker's Prometheus endpoint (`GET /metrics`); 0 picks a free one (logged). */
    METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
    METRICS_HOST: z.string().default("0.0.0.0"),
    /** How long enrichment is deferred while the provider is unavailable before it counts as failed. */
    ENRICHMENT_DEFER_MAX_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(24 * 3_600_000),
    /** Webhook deliveries one process sends at once (mostly waiting on receivers). */
    WEBHOOK_CONCURRENCY: positiveIntSchema(20),
    /** A receiver must answer an attempt within this long, or the attempt failed. */
    WEBHOOK_TIMEOUT_MS: positiveIntSchema(10_000),
    /** How often each worker process looks for new deliveries in the outbox (Postgres). */
    WEBHOOK_POLL_INTERVAL_MS: positiveIntSchema(500),
    /** Retry schedule: first delay, doubled after each failed attempt (with jitter), up to the max. */
    WEBHOOK_RETRY_BASE_MS: positiveIntSchema(5_000),
    WEBHOOK_RETRY_MAX_DELAY_MS: positiveIntSchema(3_600_000),
    /** A delivery is attempted for this long after its event, then recorded as failed. */
    WEBHOOK_RETRY_WINDOW_MS: positiveIntSchema(86_400_000),
    /** An endpoint whose every attempt failed for this long is disabled. */
    WEBHOOK_DISABLE_AFTER_MS: positiveIntSchema(86_400_000),
    /** Test-only: lets deliveries reach loopback, private and link-local addresses. */
    WEBHOOK_ALLOW_PRIVATE: booleanSchema(false),
    DATABASE_POOL_SIZE: positiveIntSchema(20),
    DATABASE_PREPARED_STATEMENTS: preparedStatementsSchema,
    SHUTDOWN_DEADLINE_MS: positiveIntSchema(30_000),
    /**
     * Test-only: deliberately breaks one guarantee so the torture suite can show it notices.
     * `ordering` skips the ordering rule; `identity-lock` also skips the identity locks.
     */
    UNSAFE_BREAK_FOR_TESTS: z.enum(["ordering", "identity-lock"]).optional(),
  })
  .superRefine((env, ctx) => {
    const required = {
      pdl: ["PDL_API_KEY"],
      apollo: ["APOLLO_API_KEY"],
      webhook: ["ENRICHMENT_WEBHOOK_URL"],
    } as const;
    for (const key of env.ENRICHMENT_PROVIDER === "builtin" ? [] : required[env.ENRICHMENT_PROVIDER]) {
      if (!env[key])
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `required when ENRICHMENT_PROVIDER=${env.ENRICHMENT_PROVIDER}`,
        });
    }
  })
  .superRefine(requireClusterHashTag);
export type WorkerEnv = z.infer<typeof workerEnvSchema>;
