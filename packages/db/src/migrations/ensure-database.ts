import { Client, DatabaseError } from "pg";

export interface EnsureDatabaseResult {
  /** The database name taken from the URL. */
  database: string;
  /** False when it already existed (or another process created it at the same moment). */
  created: boolean;
}

/**
 * Creates the database named in `databaseUrl` if it does not exist, by connecting to the `postgres`
 * maintenance database of the same server with the same credentials.
 */
export async function ensureDatabase(databaseUrl: string): Promise<EnsureDatabaseResult> {
  const database = readDatabaseName(databaseUrl);
  const client = new Client({ connectionString: replaceDatabaseName(databaseUrl, "postgres") });
  await client.connect();
  try {
    // Checking first means a role without CREATEDB can still "ensure" a database that exists.
    const existing = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (existing.rowCount !== 0) return { database, created: false };
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
      return { database, created: true };
    } catch (error) {
      // Two processes starting together both see "missing"; the loser's CREATE fails with 42P04
      // (or 23505 on pg_database's name index when the race is tighter). Either way it exists now.
      if (isConcurrentCreate(error)) return { database, created: false };
      throw error;
    }
  } finally {
    await client.end();
  }
}

/** The database name in a postgres:// URL (path without the leading slash, percent-decoded). */
export function readDatabaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ""));
  if (name === "") throw new Error("The database URL names no database (expected postgresql://host/<name>).");
  return name;
}

/** The same URL (credentials, host, query parameters) pointing at another database. */
export function replaceDatabaseName(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

function isConcurrentCreate(error: unknown): boolean {
  return (
    error instanceof DatabaseError &&
    (error.code === "42P04" || (error.code === "23505" && error.constraint === "pg_database_datname_index"))
  );
}
