import {
  databaseUrlSchema,
  logLevelSchema,
  logPrettySchema,
  positiveIntSchema,
  queuePrefixSchema,
  redisUrlSchema,
} from "@upsert/config";
import { z } from "zod";

export const workerEnvSchema = z.object({
  DATABASE_URL: databaseUrlSchema,
  REDIS_URL: redisUrlSchema,
  QUEUE_PREFIX: queuePrefixSchema,
  LOG_LEVEL: logLevelSchema,
  LOG_PRETTY: logPrettySchema,
  /** Jobs one process runs at once. Enrichment waits on the network, so this is high. */
  WORKER_CONCURRENCY: positiveIntSchema(50),
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
  /** The built-in provider's simulated latency (a real provider takes seconds). */
  ENRICHMENT_LATENCY_MS: z.coerce.number().int().min(0).default(2_000),
  /** Fraction of built-in provider calls that fail, for testing failure handling. */
  ENRICHMENT_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  ENRICHMENT_ATTEMPTS: positiveIntSchema(3),
  DATABASE_POOL_SIZE: positiveIntSchema(20),
  SHUTDOWN_DEADLINE_MS: positiveIntSchema(30_000),
});
export type WorkerEnv = z.infer<typeof workerEnvSchema>;
