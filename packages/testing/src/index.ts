// global-setup.ts is not exported: it is vitest's globalSetup entry and runs in the main process.
export {
  type CreateTestDatabaseOptions,
  createTestDatabase,
  type TestDatabase,
} from "./create-test-database";
export { dropDatabaseForcefully } from "./database-admin";
export { dropQueuePrefix } from "./drop-queue-prefix";
export { type ProvidedDatabase, readProvidedDatabase } from "./provided-database";
export { type RawResponse, sendRawRequest } from "./send-raw-request";
export { type AppProcess, startAppProcess, startNodeProcess, startTsProcess } from "./start-app-process";
export {
  type HttpStandIn,
  type RecordedRequest,
  type StandInHandler,
  sendJson,
  startHttpStandIn,
} from "./start-http-stand-in";
export { type PgBouncer, type StartPgBouncerOptions, startPgBouncer } from "./start-pgbouncer";
export { type RedisCluster, startRedisCluster } from "./start-redis-cluster";
export {
  findFreePort,
  type RedisServer,
  type StartRedisServerOptions,
  startRedisServer,
} from "./start-redis-server";
export { uniqueQueuePrefix } from "./unique-queue-prefix";
export { type WaitForOptions, waitFor } from "./wait-for";
