export type MigrationErrorCode =
  /** The migrations folder is missing, unreadable, or not in Prisma's format. */
  | "invalid_migrations_dir"
  /** A migration's SQL failed during this run. */
  | "migration_failed"
  /** An earlier run left a failed migration that nobody has resolved. */
  | "unresolved_failed_migration"
  /** An applied migration's migration.sql no longer matches the checksum recorded when it ran. */
  | "modified_migration"
  /** The URL is a transaction pooler's (`pgbouncer=true`): the migration lock needs a session. */
  | "pooled_connection"
  /** Another runner held the migration lock for longer than the lock timeout. */
  | "lock_timeout"
  /** A data migration failed (and was rolled back); the next run retries it. */
  | "data_migration_failed"
  /** A data migration is queued that this version of the code does not have. */
  | "unknown_data_migration";

/** Raised by the migration runner; `message` is a full sentence meant for the operator. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
  readonly code: MigrationErrorCode;
  /** The migration the error is about, when there is one. */
  readonly migrationName: string | undefined;

  constructor(
    code: MigrationErrorCode,
    message: string,
    options: { migrationName?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.migrationName = options.migrationName;
  }
}
