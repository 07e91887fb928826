import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Migrated template database created by global-setup.ts; createTestDatabase() clones it. */
    templateDatabase: string;
    /** postgres:// URL of the server holding it, pointing at the `postgres` maintenance database. */
    databaseServerUrl: string;
  }
}

export interface ProvidedDatabase {
  templateDatabase: string;
  databaseServerUrl: string;
}

/** What global-setup.ts provided to this test worker; fails clearly when it did not run. */
export function readProvidedDatabase(): ProvidedDatabase {
  const templateDatabase = inject("templateDatabase");
  const databaseServerUrl = inject("databaseServerUrl");
  if (!templateDatabase || !databaseServerUrl) {
    throw new Error(
      "No template database was provided: vitest's globalSetup must include packages/testing/src/global-setup.ts.",
    );
  }
  return { templateDatabase, databaseServerUrl };
}
