export {
  databaseUrlSchema,
  logLevelSchema,
  logPrettySchema,
  optionalDatabaseUrlSchema,
  positiveIntSchema,
  preparedStatementsSchema,
  queuePrefixSchema,
  redisUrlSchema,
} from "./env-fields";
export {
  type CreateLoggerOptions,
  createLogger,
  type DestinationStream,
  type Logger,
  redactedLogPaths,
} from "./logger";
export { parseEnv } from "./parse-env";
export { createShutdown, type Shutdown } from "./shutdown";
