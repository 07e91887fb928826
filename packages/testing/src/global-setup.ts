// vitest globalSetup (see /vitest.config.ts): one migrated template database per test run, which
// every integration test file clones with createTestDatabase(). Deliberately not exported from
// index.ts: it runs in vitest's main process, not in test workers.
import { migrate, replaceDatabaseName } from "@upsert/db";
import type { TestProject } from "vitest/node";
import { dropDatabaseForcefully, randomDatabaseSuffix, withServerClient } from "./database-admin";

const defaultDatabaseUrl = "postgresql://postgres@127.0.0.1:5432/contact_upsert";

// vitest requires a default export here (an entry point, like a reporter). It is also the one
// place in this package that reads the environment: DATABASE_URL selects the server only.
export default async function setupTemplateDatabase(project: TestProject): Promise<() => Promise<void>> {
  const databaseServerUrl = replaceDatabaseName(process.env.DATABASE_URL || defaultDatabaseUrl, "postgres");
  // Random, so parallel test runs (several engineers, CI) on one server never share a template.
  const templateDatabase = `upsert_tpl_${randomDatabaseSuffix()}`;

  await withServerClient(databaseServerUrl, async (client) => {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(templateDatabase)}`);
  });
  try {
    await migrate(replaceDatabaseName(databaseServerUrl, templateDatabase));
    await withServerClient(databaseServerUrl, async (client) => {
      // A session left on the template would make every clone fail (55006); forbid new ones.
      await client.query(
        `ALTER DATABASE ${client.escapeIdentifier(templateDatabase)} ALLOW_CONNECTIONS false`,
      );
    });
  } catch (error) {
    await dropDatabaseForcefully(databaseServerUrl, templateDatabase);
    throw error;
  }

  project.provide("templateDatabase", templateDatabase);
  project.provide("databaseServerUrl", databaseServerUrl);

  return () => dropDatabaseForcefully(databaseServerUrl, templateDatabase);
}
