// `pnpm --filter @upsert/db migrate`: creates the database if needed and applies pending migrations.
// An entry point, so it is the one place here that reads the environment. DIRECT_DATABASE_URL,
// when set, is Postgres itself while DATABASE_URL goes through PgBouncer (the migration lock is a
// session's, which transaction pooling does not keep).
import { ensureDatabase, MigrationError, migrate } from "./migrations";

const defaultDatabaseUrl = "postgresql://postgres@127.0.0.1:5432/contact_upsert";

async function runMigrateCli(): Promise<number> {
  const databaseUrl = process.env.DIRECT_DATABASE_URL || process.env.DATABASE_URL || defaultDatabaseUrl;
  const target = describeTarget(databaseUrl);
  try {
    const { created } = await ensureDatabase(databaseUrl);
    if (created) process.stdout.write(`Created database ${target}.\n`);
    const { applied, alreadyApplied, dataMigrations } = await migrate(databaseUrl);
    if (applied.length === 0) {
      process.stdout.write(
        `Database ${target} is up to date: no pending migrations (${alreadyApplied.length} already applied).\n`,
      );
    } else {
      process.stdout.write(`Applied ${applied.length} migration(s) to ${target}:\n`);
      for (const name of applied) process.stdout.write(`  ${name}\n`);
    }
    for (const { name, summary, warnings } of dataMigrations) {
      process.stdout.write(`Ran data migration ${name}: ${summary}\n`);
      for (const warning of warnings) process.stdout.write(`  needs attention: ${warning}\n`);
    }
    return 0;
  } catch (error) {
    const reason = error instanceof MigrationError ? error.message : describeUnexpected(error);
    process.stderr.write(`Migrating ${target} failed. ${reason}\n`);
    return 1;
  }
}

// Host and database only: the URL may carry a password.
function describeTarget(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `"${decodeURIComponent(url.pathname.slice(1))}" on ${url.host}`;
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

function describeUnexpected(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = "code" in error && typeof error.code === "string" ? ` (${error.code})` : "";
  // Connection failures (ECONNREFUSED, ENOTFOUND) arrive as errors with an empty message.
  const message = error.message || "cannot reach the database server";
  return `${message}${code}.`;
}

process.exitCode = await runMigrateCli();
