import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MigrationError } from "./migration.errors";
import { matchesChecksum, readMigrations } from "./read-migrations";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "upsert-migrations-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeMigration(name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, "migration.sql"), sql);
}

describe("readMigrations", () => {
  it("lists migration folders in name order with the sha256 of each migration.sql", async () => {
    await writeFile(path.join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');
    await writeMigration("20261201000000_second", "SELECT 2;\n");
    await writeMigration("20261129000000_first", "SELECT 1;\n");
    await writeFile(path.join(dir, "README.md"), "not a migration");

    const migrations = await readMigrations(dir);

    expect(migrations.map((m) => m.name)).toEqual(["20261129000000_first", "20261201000000_second"]);
    expect(migrations[0]).toEqual({
      name: "20261129000000_first",
      sql: "SELECT 1;\n",
      checksum: createHash("sha256").update("SELECT 1;\n").digest("hex"),
    });
  });

  it("refuses a folder without migration.sql, naming it", async () => {
    await mkdir(path.join(dir, "20261129000000_empty"));
    await expect(readMigrations(dir)).rejects.toMatchObject({
      code: "invalid_migrations_dir",
      migrationName: "20261129000000_empty",
    });
  });

  it("refuses migrations locked to another provider", async () => {
    await writeFile(path.join(dir, "migration_lock.toml"), 'provider = "mysql"\n');
    await expect(readMigrations(dir)).rejects.toThrow(/provider = "mysql"/);
  });

  it("refuses a missing folder", async () => {
    await expect(readMigrations(path.join(dir, "missing"))).rejects.toBeInstanceOf(MigrationError);
  });
});

describe("matchesChecksum", () => {
  it("accepts the file's checksum and the same text with other line endings, nothing else", () => {
    const checksumOf = (text: string) => createHash("sha256").update(text).digest("hex");
    const lf = { name: "m", sql: "SELECT 1;\nSELECT 2;\n", checksum: checksumOf("SELECT 1;\nSELECT 2;\n") };

    expect(matchesChecksum(lf, lf.checksum)).toBe(true);
    expect(matchesChecksum(lf, checksumOf("SELECT 1;\r\nSELECT 2;\r\n"))).toBe(true);
    expect(matchesChecksum(lf, checksumOf("SELECT 1;\nSELECT 3;\n"))).toBe(false);
  });
});
