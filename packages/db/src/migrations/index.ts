export {
  type DataMigration,
  type DataMigrationReport,
  type DataMigrationResult,
  dataMigrations,
} from "./data-migrations";
export {
  type EnsureDatabaseResult,
  ensureDatabase,
  readDatabaseName,
  replaceDatabaseName,
} from "./ensure-database";
export {
  defaultMigrationsDir,
  type MigrateOptions,
  type MigrateResult,
  type MigrationLogger,
  migrate,
} from "./migrate";
export { MigrationError, type MigrationErrorCode } from "./migration.errors";
export { type MigrationFile, readMigrations } from "./read-migrations";
