import type { ClientBase } from "pg";
import { MigrationError } from "./migration.errors";
import { renormaliseContactEmails } from "./renormalise-contact-emails.data-migration";

/**
 * A data migration written in TypeScript, for a change SQL cannot make faithfully (one that needs
 * the domain package's own functions). Its SQL migration of the same name queues it by inserting
 * its name into `data_migrations`; the runner then runs it once, in one transaction, before any
 * later SQL migration. So a database migrated by `prisma migrate deploy` still shows it as queued
 * (`finished_at IS NULL`), and the next `pnpm db:migrate` runs it.
 */
export interface DataMigration {
  /** The folder name of the SQL migration that queues it. */
  name: string;
  /** Runs inside a transaction the runner opens and commits; throwing rolls everything back. */
  run(client: ClientBase): Promise<DataMigrationReport>;
}

export interface DataMigrationReport {
  /** One sentence for the operator. */
  summary: string;
  /** What an operator must look at, one line each; ids only, never personal data. */
  warnings: string[];
  counts: Record<string, number>;
}

export interface DataMigrationResult extends DataMigrationReport {
  name: string;
}

/** Every data migration this version knows, in name order. */
export const dataMigrations: readonly DataMigration[] = [renormaliseContactEmails];

/**
 * Runs every queued data migration, oldest first, each in a transaction of its own that also
 * records it finished. A failed one is rolled back whole, its error kept in `logs`, and it is
 * tried again on the next run (there is nothing to resolve by hand: it left nothing behind).
 */
export async function runQueuedDataMigrations(
  client: ClientBase,
  known: readonly DataMigration[],
): Promise<DataMigrationResult[]> {
  const table = await client.query<{ exists: boolean }>(
    `SELECT to_regclass('"data_migrations"') IS NOT NULL AS exists`,
  );
  if (table.rows[0]?.exists !== true) return [];
  const queued = await client.query<{ name: string }>(
    `SELECT name FROM "data_migrations" WHERE finished_at IS NULL ORDER BY name`,
  );
  const results: DataMigrationResult[] = [];
  for (const { name } of queued.rows) {
    const migration = known.find((candidate) => candidate.name === name);
    if (!migration) {
      throw new MigrationError(
        "unknown_data_migration",
        `Data migration "${name}" is queued in data_migrations, but this version of the code does not have it, so no further migrations were applied. Run the migrations with the version that added it.`,
        { migrationName: name },
      );
    }
    results.push({ name, ...(await runDataMigration(client, migration)) });
  }
  return results;
}

async function runDataMigration(client: ClientBase, migration: DataMigration): Promise<DataMigrationReport> {
  await client.query("BEGIN");
  try {
    const report = await migration.run(client);
    await client.query(
      `UPDATE "data_migrations" SET finished_at = now(), report = $2, logs = NULL WHERE name = $1`,
      [migration.name, JSON.stringify(report)],
    );
    await client.query("COMMIT");
    return report;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    await client
      .query(`UPDATE "data_migrations" SET logs = $2 WHERE name = $1`, [
        migration.name,
        error instanceof Error ? (error.stack ?? reason) : reason,
      ])
      .catch(() => undefined);
    throw new MigrationError(
      "data_migration_failed",
      `Data migration "${migration.name}" failed, so it and any later migrations were not applied: ${reason.replace(/\.?$/, ".")} It ran as one transaction, so nothing it changed remains. Its error is in data_migrations.logs; fix the cause and migrate again, which retries it.`,
      { migrationName: migration.name, cause: error },
    );
  }
}
