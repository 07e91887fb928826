import { randomUUID } from "node:crypto";
import path from "node:path";
import { Client, DatabaseError } from "pg";
import { isTransactionPoolerUrl } from "../create-db";
import {
  type DataMigration,
  type DataMigrationResult,
  dataMigrations,
  runQueuedDataMigrations,
} from "./data-migrations";
import { MigrationError } from "./migration.errors";
import { type MigrationFile, matchesChecksum, readMigrations } from "./read-migrations";

/** pino-compatible: a pino logger (or a child) can be passed as is. */
export interface MigrationLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface MigrateOptions {
  /** Folder in Prisma's layout (`<timestamp>_<name>/migration.sql`); defaults to the repo's prisma/migrations. */
  migrationsDir?: string;
  logger?: MigrationLogger;
  /** How long to wait for another runner to finish before giving up (Prisma also waits 10 s). */
  lockTimeoutMs?: number;
  /** The data migrations queued SQL migrations may name; defaults to this version's (tests add their own). */
  dataMigrations?: readonly DataMigration[];
}

export interface MigrateResult {
  /** Migrations applied by this call, in order. */
  applied: string[];
  /** Local migrations that were already applied before this call. */
  alreadyApplied: string[];
  /** Data migrations run by this call, in order, with what they report to the operator. */
  dataMigrations: DataMigrationResult[];
}

/**
 * The repo's prisma/migrations: reached from packages/db/src/migrations when run from source, or
 * the copy `pnpm build` puts beside the compiled code (packages/db/dist/migrations), which is what
 * a production install (`pnpm deploy`) ships.
 */
export const defaultMigrationsDir =
  path.basename(import.meta.dirname) === "dist"
    ? path.join(import.meta.dirname, "migrations")
    : path.resolve(import.meta.dirname, "../../../../prisma/migrations");

// Prisma's own advisory lock id, so this runner and `prisma migrate deploy` also exclude each other.
const migrationLockId = 72707369;

// Prisma's bookkeeping table, column for column, so `prisma migrate status/deploy/resolve` can take over.
const createMigrationsTableSql = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  started_at: Date;
  logs: string | null;
}

const silentLogger: MigrationLogger = { info: () => {}, warn: () => {} };

/**
 * Applies pending migrations the way `prisma migrate deploy` does and records them in
 * `_prisma_migrations`. Each migration.sql runs as one simple-protocol query, i.e. one implicit
 * transaction: it either applies completely or not at all (unless the file commits by itself).
 *
 * Refuses to apply anything (throws MigrationError) when an earlier migration failed and was not
 * resolved, or when an applied migration's file was edited. Prisma's `migrate deploy` only ignores
 * edited migrations; we stop instead, because then the repository no longer describes the
 * database and a fresh database would end up different from this one.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const logger = options.logger ?? silentLogger;
  // The lock is a session's (pg_advisory_lock): behind a transaction pooler it would be taken on
  // one server session, left there, and the migrations run on others.
  if (isTransactionPoolerUrl(databaseUrl)) {
    throw new MigrationError(
      "pooled_connection",
      "The database URL goes through a transaction pooler (pgbouncer=true), where the migration lock cannot be held. Migrate over a direct connection: set DIRECT_DATABASE_URL to Postgres itself.",
    );
  }
  // Read the files before connecting so a broken checkout never touches the database.
  const migrations = await readMigrations(options.migrationsDir ?? defaultMigrationsDir);

  const client = new Client({ connectionString: databaseUrl });
  // Without a listener a dropped idle connection would crash the process; query errors still reject.
  client.on("error", (error) => logger.warn({ err: error }, "migration connection error"));
  await client.connect();
  try {
    await lockMigrations(client, options.lockTimeoutMs ?? 10_000);
    try {
      return await applyPending(client, migrations, options.dataMigrations ?? dataMigrations, logger);
    } finally {
      // Best effort: the lock belongs to the session and goes away with client.end() anyway, and
      // a failing unlock (connection lost) must not hide the error that brought us here.
      await client.query("SELECT pg_advisory_unlock($1)", [migrationLockId]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

async function lockMigrations(client: Client, timeoutMs: number): Promise<void> {
  await client.query(`SET lock_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
  try {
    await client.query("SELECT pg_advisory_lock($1)", [migrationLockId]);
  } catch (error) {
    if (error instanceof DatabaseError && error.code === "55P03") {
      throw new MigrationError(
        "lock_timeout",
        `Another migration runner held the migration lock (pg_advisory_lock(${migrationLockId})) for more than ${timeoutMs} ms; try again when it has finished.`,
        { cause: error },
      );
    }
    throw error;
  }
  // The timeout is for waiting on other runners; the migrations themselves may wait on locks.
  await client.query("RESET lock_timeout");
}

async function applyPending(
  client: Client,
  migrations: MigrationFile[],
  knownDataMigrations: readonly DataMigration[],
  logger: MigrationLogger,
): Promise<MigrateResult> {
  await client.query(createMigrationsTableSql);
  const rows = (
    await client.query<MigrationRow>(
      `SELECT migration_name, checksum, finished_at, started_at, logs
         FROM "_prisma_migrations"
        WHERE rolled_back_at IS NULL
        ORDER BY started_at, migration_name`,
    )
  ).rows;

  const failed = rows.find((row) => row.finished_at === null);
  if (failed) throw unresolvedFailureError(failed);

  const local = new Map(migrations.map((migration) => [migration.name, migration]));
  for (const row of rows) {
    const migration = local.get(row.migration_name);
    if (!migration) {
      logger.warn({ migration: row.migration_name }, "applied migration not found in the migrations folder");
    } else if (!matchesChecksum(migration, row.checksum)) {
      throw new MigrationError(
        "modified_migration",
        `Migration "${row.migration_name}" was modified after it was applied: its migration.sql no longer matches the checksum recorded in _prisma_migrations, so nothing was applied. Restore the file as it was applied and put the change in a new migration.`,
        { migrationName: row.migration_name },
      );
    }
  }

  const appliedNames = new Set(rows.map((row) => row.migration_name));
  const pending = migrations.filter((migration) => !appliedNames.has(migration.name));
  const alreadyApplied = migrations.filter((m) => appliedNames.has(m.name)).map((m) => m.name);

  // A data migration runs right after the SQL migration that queued it, before any later one, so
  // it sees the schema it was written for. One still queued here was left by a failed attempt or
  // by `prisma migrate deploy`, which knows only the SQL.
  const ranData: DataMigrationResult[] = [];
  const runQueuedData = async () => {
    for (const result of await runQueuedDataMigrations(client, knownDataMigrations)) {
      logger.info({ dataMigration: result.name, ...result.counts }, "data migration applied");
      if (result.warnings.length > 0) {
        logger.warn(
          { dataMigration: result.name, warnings: result.warnings },
          "data migration needs attention",
        );
      }
      ranData.push(result);
    }
  };
  await runQueuedData();
  if (pending.length === 0) {
    logger.info({ alreadyApplied: alreadyApplied.length }, "database schema is up to date");
    return { applied: [], alreadyApplied, dataMigrations: ranData };
  }

  const applied: string[] = [];
  for (const migration of pending) {
    await applyMigration(client, migration, logger);
    applied.push(migration.name);
    await runQueuedData();
  }
  return { applied, alreadyApplied, dataMigrations: ranData };
}

async function applyMigration(
  client: Client,
  migration: MigrationFile,
  logger: MigrationLogger,
): Promise<void> {
  const id = randomUUID();
  const startedAt = Date.now();
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
     VALUES ($1, $2, $3, now(), 0)`,
    [id, migration.checksum, migration.name],
  );
  try {
    // No parameters: pg sends a simple Query message, so the whole file is one implicit transaction.
    await client.query(migration.sql);
  } catch (error) {
    const logs = describeFailure(error, migration.sql);
    try {
      await client.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, logs]);
    } catch {
      // The row still blocks later runs (finished_at stays NULL); only the logs are lost.
    }
    throw new MigrationError(
      "migration_failed",
      `Migration "${migration.name}" failed, so it and any later migrations were not applied: ${summariseFailure(logs)} It ran as one transaction, so none of its statements remain (unless the file commits by itself). The failure is recorded in _prisma_migrations and blocks later runs until resolved: fix the SQL, then mark it rolled back (\`prisma migrate resolve --rolled-back ${migration.name}\`, or UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${migration.name}' AND finished_at IS NULL) and migrate again.`,
      { migrationName: migration.name, cause: error },
    );
  }
  await client.query(
    `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = applied_steps_count + 1 WHERE id = $1`,
    [id],
  );
  logger.info({ migration: migration.name, durationMs: Date.now() - startedAt }, "migration applied");
}

function unresolvedFailureError(row: MigrationRow): MigrationError {
  const reason = row.logs ? ` Its error: ${summariseFailure(row.logs)}` : "";
  return new MigrationError(
    "unresolved_failed_migration",
    `Migration "${row.migration_name}" (started ${row.started_at.toISOString()}) failed and is not resolved, so no migrations were applied.${reason} Check what it left in the database, fix it, then mark it rolled back (\`prisma migrate resolve --rolled-back ${row.migration_name}\`, or UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${row.migration_name}' AND finished_at IS NULL) or applied (\`prisma migrate resolve --applied ${row.migration_name}\`), and migrate again.`,
    { migrationName: row.migration_name },
  );
}

// Stored in `_prisma_migrations.logs`, in the spirit of Prisma's own text: code, message, location.
function describeFailure(error: unknown, sql: string): string {
  if (!(error instanceof DatabaseError)) {
    return `Migration error:\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  }
  const parts = [
    `Database error code: ${error.code ?? "unknown"}`,
    `Database error:\nERROR: ${error.message}`,
  ];
  if (error.detail) parts.push(`DETAIL: ${error.detail}`);
  if (error.hint) parts.push(`HINT: ${error.hint}`);
  if (error.position) parts.push(`Position:\n${describePosition(sql, Number(error.position))}`);
  if (error.where) parts.push(`CONTEXT: ${error.where}`);
  return parts.join("\n\n");
}

function describePosition(sql: string, position: number): string {
  // Postgres reports a 1-based character offset into the whole script; show the line it is on.
  const before = sql.slice(0, Math.max(0, position - 1));
  const lineNumber = before.split("\n").length;
  const line = sql.split("\n")[lineNumber - 1] ?? "";
  return `line ${lineNumber}: ${line.trim()}`;
}

function summariseFailure(logs: string): string {
  const error = /^ERROR: (.*)$/m.exec(logs)?.[1] ?? logs.split("\n")[0] ?? logs;
  return /[.!?]$/.test(error) ? error : `${error}.`;
}
