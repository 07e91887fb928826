export {
  booleanSchema,
  databaseUrlSchema,
  hashTagOf,
  logLevelSchema,
  logPrettySchema,
  optionalDatabaseUrlSchema,
  positiveIntSchema,
  preparedStatementsSchema,
  queuePrefixSchema,
  redisClusterNodesSchema,
  redisUrlSchema,
  requireClusterHashTag,
} from "./env-fields";
export {
  type CreateLoggerOptions,
  createLogger,
  type DestinationStream,
  type Logger,
  redactedLogPaths,
} from "./logger";
export { type MetricsSource, type OpsServer, type ReadinessCheck, startOpsServer } from "./ops-server";
export { parseEnv } from "./parse-env";
export { createShutdown, type Shutdown } from "./shutdown";
