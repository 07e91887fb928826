import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { createEmptyDatabase, type EmptyDatabase } from "../empty-database.fixture";
import { type DataMigration, dataMigrations } from "./data-migrations";
import { defaultMigrationsDir, migrate } from "./migrate";
import { readMigrations } from "./read-migrations";

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  logs: string | null;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emptyDatabase(): Promise<EmptyDatabase> {
  const database = await createEmptyDatabase();
  cleanups.push(database.drop);
  return database;
}

/** A copy of the repository's migrations that a test may add to or edit. */
async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "upsert-migrations-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await cp(defaultMigrationsDir, dir, { recursive: true });
  return dir;
}

async function writeMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name), { recursive: true });
  await writeFile(path.join(dir, name, "migration.sql"), sql);
}

async function query<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

const readRows = (url: string) =>
  query<MigrationRow>(url, `SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name`);

const tableExists = async (url: string, table: string) =>
  (await query<{ exists: boolean }>(url, "SELECT to_regclass($1) IS NOT NULL AS exists", [table]))[0]?.exists;

describe("migrate", () => {
  it("applies every migration to an empty database and records it as Prisma does", async () => {
    const db = await emptyDatabase();
    const local = await readMigrations(defaultMigrationsDir);

    const result = await migrate(db.url);

    expect(result).toEqual({
      applied: local.map((m) => m.name),
      alreadyApplied: [],
      // Queued by its SQL migration and run right after it (on an empty database it changes nothing).
      dataMigrations: [
        expect.objectContaining({ name: "20261201020000_email_domain_normalisation", warnings: [] }),
      ],
    });
    expect(await tableExists(db.url, "intake_requests")).toBe(true);
    const rows = await readRows(db.url);
    expect(rows).toHaveLength(local.length);
    const initSql = await readFile(path.join(defaultMigrationsDir, "20261129000000_init", "migration.sql"));
    expect(rows[0]).toMatchObject({
      migration_name: "20261129000000_init",
      checksum: createHash("sha256").update(initSql).digest("hex"),
      applied_steps_count: 1,
      logs: null,
      rolled_back_at: null,
    });
    for (const row of rows) {
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at?.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    }
  });

  it("does nothing when run again", async () => {
    const db = await emptyDatabase();
    await migrate(db.url);
    const before = await readRows(db.url);

    const result = await migrate(db.url);

    expect(result.applied).toEqual([]);
    expect(result.dataMigrations).toEqual([]);
    expect(result.alreadyApplied).toEqual(before.map((row) => row.migration_name));
    expect(await readRows(db.url)).toEqual(before);
  });

  it("applies once when two runners start together", async () => {
    const db = await emptyDatabase();

    const [first, second] = await Promise.all([migrate(db.url), migrate(db.url)]);

    const local = (await readMigrations(defaultMigrationsDir)).map((m) => m.name);
    expect([...first.applied, ...second.applied]).toEqual(local);
    expect((await readRows(db.url)).map((row) => row.migration_name)).toEqual(local);
  });

  it("records a failed migration, rolls it back whole, and refuses later runs until it is resolved", async () => {
    const db = await emptyDatabase();
    const dir = await copyOfMigrations();
    const broken = "99990101000001_broken";
    await writeMigration(dir, broken, "CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n");

    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toMatchObject({
      code: "migration_failed",
      migrationName: broken,
      message: expect.stringContaining(`Migration "${broken}" failed`),
    });

    expect(await tableExists(db.url, "intake_requests")).toBe(true);
    // One implicit transaction: the statement before the failing one left nothing behind.
    expect(await tableExists(db.url, "half_done")).toBe(false);
    const failed = (await readRows(db.url)).find((row) => row.migration_name === broken);
    expect(failed).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(failed?.logs).toContain("42P01");
    expect(failed?.logs).toContain('relation "no_such_table" does not exist');
    expect(failed?.logs).toContain("line 2: SELECT * FROM no_such_table;");

    // A later migration must not be applied over the unresolved failure.
    const later = "99990101000002_later";
    await writeMigration(dir, later, "CREATE TABLE later_table (id int);\n");
    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toMatchObject({
      code: "unresolved_failed_migration",
      migrationName: broken,
      message: expect.stringContaining(`Migration "${broken}"`),
    });
    expect(await tableExists(db.url, "later_table")).toBe(false);

    // Resolved the way `prisma migrate resolve --rolled-back` does it, then fixed: both apply.
    await query(db.url, `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1`, [
      broken,
    ]);
    await writeMigration(dir, broken, "CREATE TABLE half_done (id int);\n");
    expect((await migrate(db.url, { migrationsDir: dir })).applied).toEqual([broken, later]);
    expect(await tableExists(db.url, "half_done")).toBe(true);
  });

  it("refuses to run when an applied migration was edited, but not for line endings alone", async () => {
    const db = await emptyDatabase();
    const dir = await copyOfMigrations();
    await migrate(db.url, { migrationsDir: dir });
    const file = path.join(dir, "20261129000000_init", "migration.sql");
    const original = await readFile(file, "utf8");
    await writeMigration(dir, "99990101000003_next", "CREATE TABLE next_table (id int);\n");

    await writeFile(file, original.replaceAll("\n", "\r\n"));
    await expect(migrate(db.url, { migrationsDir: dir })).resolves.toMatchObject({
      applied: ["99990101000003_next"],
    });

    await writeFile(file, `${original}\n-- edited after it was applied\n`);
    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toMatchObject({
      code: "modified_migration",
      migrationName: "20261129000000_init",
    });
  });

  it("runs a queued data migration once, right after its SQL migration and before later ones", async () => {
    const db = await emptyDatabase();
    const dir = await copyOfMigrations();
    const name = "99990101000005_fill_probe";
    await writeMigration(
      dir,
      name,
      `CREATE TABLE probe (n int);\nINSERT INTO data_migrations (name) VALUES ('${name}');\n`,
    );
    await writeMigration(dir, "99990101000006_after", "ALTER TABLE probe RENAME TO probe_after;\n");
    const seen: string[] = [];
    const fill: DataMigration = {
      name,
      async run(client) {
        // The schema as its SQL migration left it: the later rename has not run yet.
        await client.query("INSERT INTO probe (n) VALUES (1)");
        seen.push(name);
        return { summary: "filled", warnings: ["look at probe"], counts: { rows: 1 } };
      },
    };

    const first = await migrate(db.url, { migrationsDir: dir, dataMigrations: [...dataMigrations, fill] });
    const second = await migrate(db.url, { migrationsDir: dir, dataMigrations: [...dataMigrations, fill] });

    expect(first.dataMigrations.map((result) => result.name)).toEqual([
      "20261201020000_email_domain_normalisation",
      name,
    ]);
    expect(first.dataMigrations[1]).toEqual({
      name,
      summary: "filled",
      warnings: ["look at probe"],
      counts: { rows: 1 },
    });
    expect(second.dataMigrations).toEqual([]);
    expect(seen).toEqual([name]);
    expect(await query(db.url, "SELECT n FROM probe_after")).toEqual([{ n: 1 }]);
    expect(
      await query(
        db.url,
        "SELECT finished_at IS NOT NULL AS done, report FROM data_migrations WHERE name = $1",
        [name],
      ),
    ).toEqual([
      { done: true, report: { summary: "filled", warnings: ["look at probe"], counts: { rows: 1 } } },
    ]);
  });

  it("rolls a failed data migration back whole, keeps its error, stops, and retries it on the next run", async () => {
    const db = await emptyDatabase();
    const dir = await copyOfMigrations();
    const name = "99990101000007_flaky";
    await writeMigration(
      dir,
      name,
      `CREATE TABLE probe (n int);\nINSERT INTO data_migrations (name) VALUES ('${name}');\n`,
    );
    await writeMigration(dir, "99990101000008_after", "CREATE TABLE later_table (id int);\n");
    let fail = true;
    const flaky: DataMigration = {
      name,
      async run(client) {
        await client.query("INSERT INTO probe (n) VALUES (1)");
        if (fail) throw new Error("provider of truth unavailable");
        return { summary: "ok", warnings: [], counts: {} };
      },
    };
    const options = { migrationsDir: dir, dataMigrations: [...dataMigrations, flaky] };

    await expect(migrate(db.url, options)).rejects.toMatchObject({
      code: "data_migration_failed",
      migrationName: name,
      message: expect.stringContaining("provider of truth unavailable."),
    });
    expect(await query(db.url, "SELECT count(*)::int AS n FROM probe")).toEqual([{ n: 0 }]);
    expect(await tableExists(db.url, "later_table")).toBe(false);
    const [row] = await query<{ finished_at: Date | null; logs: string }>(
      db.url,
      "SELECT finished_at, logs FROM data_migrations WHERE name = $1",
      [name],
    );
    expect(row?.finished_at).toBeNull();
    expect(row?.logs).toContain("provider of truth unavailable");

    fail = false;
    const retried = await migrate(db.url, options);
    expect(retried.applied).toEqual(["99990101000008_after"]);
    expect(retried.dataMigrations.map((result) => result.name)).toEqual([name]);
    expect(await query(db.url, "SELECT count(*)::int AS n FROM probe")).toEqual([{ n: 1 }]);
  });

  it("refuses to go on past a queued data migration it does not know", async () => {
    const db = await emptyDatabase();
    const dir = await copyOfMigrations();
    const name = "99990101000009_from_the_future";
    await writeMigration(dir, name, `INSERT INTO data_migrations (name) VALUES ('${name}');\n`);
    await writeMigration(dir, "99990101000010_after", "CREATE TABLE later_table (id int);\n");

    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toMatchObject({
      code: "unknown_data_migration",
      migrationName: name,
    });
    expect(await tableExists(db.url, "later_table")).toBe(false);
  });

  it("gives up with a clear error when another runner holds the lock too long", async () => {
    const db = await emptyDatabase();
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query("SELECT pg_advisory_lock(72707369)");

    await expect(migrate(db.url, { lockTimeoutMs: 200 })).rejects.toMatchObject({ code: "lock_timeout" });
    expect(await tableExists(db.url, "_prisma_migrations")).toBe(false);
  });
});
