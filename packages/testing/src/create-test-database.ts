import { setTimeout as sleep } from "node:timers/promises";
import { replaceDatabaseName } from "@upsert/db";
import { type Client, DatabaseError } from "pg";
import { dropDatabaseForcefully, randomDatabaseSuffix, withServerClient } from "./database-admin";
import { type ProvidedDatabase, readProvidedDatabase } from "./provided-database";

export interface TestDatabase {
  /** postgres:// URL of the new database. */
  url: string;
  name: string;
  /** Drops the database, closing any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
  /** Runs SQL on the server's maintenance database (e.g. to close this database to connections). */
  admin(sql: string): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Database to clone; defaults to the migrated template from global-setup.ts. */
  templateDatabase?: string;
  /** Server to create it on (maintenance-database URL); defaults to the one global-setup.ts used. */
  databaseServerUrl?: string;
}

/**
 * A fresh, fully migrated database for one test file: a copy of the template (CREATE DATABASE …
 * TEMPLATE copies files, far cheaper than running the migrations again).
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const { templateDatabase, databaseServerUrl } = resolveSource(options);
  const name = `upsert_test_${randomDatabaseSuffix()}`;

  await withServerClient(databaseServerUrl, (client) => cloneDatabase(client, templateDatabase, name));

  let dropped: Promise<void> | undefined;
  return {
    url: replaceDatabaseName(databaseServerUrl, name),
    name,
    admin: (sql) => withServerClient(databaseServerUrl, async (client) => void (await client.query(sql))),
    drop: () => {
      dropped ??= dropDatabaseForcefully(databaseServerUrl, name);
      return dropped;
    },
  };
}

async function cloneDatabase(client: Client, template: string, name: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      await client.query(
        `CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(template)}`,
      );
      return;
    } catch (error) {
      // Postgres refuses to copy a database someone is connected to (55006). A caller-supplied
      // template may see brief connections, so retry for a few seconds before giving up.
      const inUse = error instanceof DatabaseError && error.code === "55006";
      if (!inUse || Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

function resolveSource(options: CreateTestDatabaseOptions): ProvidedDatabase {
  const { templateDatabase, databaseServerUrl } = options;
  if (templateDatabase && databaseServerUrl) return { templateDatabase, databaseServerUrl };
  const provided = readProvidedDatabase();
  return {
    templateDatabase: templateDatabase ?? provided.templateDatabase,
    databaseServerUrl: databaseServerUrl ?? provided.databaseServerUrl,
  };
}
