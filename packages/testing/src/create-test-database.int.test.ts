import { defaultMigrationsDir, readMigrations } from "@upsert/db";
import { Client } from "pg";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "./create-test-database";
import { withServerClient } from "./database-admin";
import { readProvidedDatabase } from "./provided-database";

const { templateDatabase, databaseServerUrl } = readProvidedDatabase();

async function databaseExists(name: string): Promise<boolean> {
  return withServerClient(databaseServerUrl, async (client) => {
    const result = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return result.rowCount === 1;
  });
}

describe("global setup", () => {
  it("provides a migrated template that nobody can connect to", async () => {
    expect(templateDatabase).toMatch(/^upsert_tpl_[0-9a-f]{12}$/);
    const [template] = await withServerClient(databaseServerUrl, async (client) => {
      const result = await client.query<{ datallowconn: boolean }>(
        "SELECT datallowconn FROM pg_database WHERE datname = $1",
        [templateDatabase],
      );
      return result.rows;
    });
    expect(template).toEqual({ datallowconn: false });
  });
});

describe("createTestDatabase", () => {
  it("clones the migrated template, and drop removes it even with a connection still open", async () => {
    const database = await createTestDatabase();
    expect(database.name).toMatch(/^upsert_test_[0-9a-f]{12}$/);

    const client = new Client({ connectionString: database.url });
    client.on("error", () => {}); // drop() terminates this session on purpose
    await client.connect();
    const tables = await client.query<{ name: string | null }>(
      "SELECT to_regclass('intake_requests')::text AS name UNION ALL " +
        "(SELECT migration_name FROM _prisma_migrations ORDER BY migration_name)",
    );
    // Every migration in the repository, applied.
    const migrations = (await readMigrations(defaultMigrationsDir)).map((m) => m.name);
    expect(migrations.length).toBeGreaterThan(0);
    expect(tables.rows.map((row) => row.name)).toEqual(["intake_requests", ...migrations]);

    await database.drop();
    expect(await databaseExists(database.name)).toBe(false);
    await database.drop();
    await client.end().catch(() => {});
  });

  it("gives each caller its own database, also when they ask at the same time", async () => {
    const databases = await Promise.all([createTestDatabase(), createTestDatabase(), createTestDatabase()]);
    try {
      expect(new Set(databases.map((database) => database.name)).size).toBe(3);
      for (const database of databases) expect(await databaseExists(database.name)).toBe(true);
    } finally {
      await Promise.all(databases.map((database) => database.drop()));
    }
  });
});
