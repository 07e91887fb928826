// Test-only (not exported): empty databases for the migration runner's and the schema's tests.
// packages/testing's clones come already migrated, and @upsert/testing depends on this package,
// so these tests make their own.
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { inject } from "vitest";
import { ensureDatabase, replaceDatabaseName } from "./migrations";

declare module "vitest" {
  export interface ProvidedContext {
    /** Provided by packages/testing/src/global-setup.ts: the server tests create databases on. */
    databaseServerUrl: string;
  }
}

export interface EmptyDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createEmptyDatabase(): Promise<EmptyDatabase> {
  const serverUrl = inject("databaseServerUrl");
  if (!serverUrl) throw new Error("vitest's globalSetup must include packages/testing/src/global-setup.ts.");
  const name = `upsert_test_${randomBytes(6).toString("hex")}`;
  const url = replaceDatabaseName(serverUrl, name);
  await ensureDatabase(url);
  return { url, name, drop: () => dropDatabase(serverUrl, name) };
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
