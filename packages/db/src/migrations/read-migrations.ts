import { createHash } from "node:crypto";
import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { MigrationError } from "./migration.errors";

export interface MigrationFile {
  /** Folder name, e.g. `20261129000000_init`; what `_prisma_migrations.migration_name` stores. */
  name: string;
  /** Contents of `<name>/migration.sql`. */
  sql: string;
  /** Lower-case hex SHA-256 of migration.sql's bytes (what `sha256sum` prints), as Prisma records it. */
  checksum: string;
}

const lockFileName = "migration_lock.toml";

/**
 * Reads a Prisma migrations folder: one sub-folder per migration, applied in name order
 * (the timestamp prefix makes name order the creation order).
 */
export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (error) {
    throw new MigrationError(
      "invalid_migrations_dir",
      `Cannot read the migrations folder ${migrationsDir}.`,
      {
        cause: error,
      },
    );
  }

  await checkLockFile(
    migrationsDir,
    entries.some((entry) => entry.isFile() && entry.name === lockFileName),
  );

  // Byte-wise order, as Prisma sorts: locale-aware sorting could reorder names with `_` or digits.
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const migrations: MigrationFile[] = [];
  for (const name of names) {
    const file = path.join(migrationsDir, name, "migration.sql");
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new MigrationError(
        "invalid_migrations_dir",
        `Migration folder ${name} has no readable migration.sql (${file}).`,
        { migrationName: name, cause: error },
      );
    }
    migrations.push({ name, sql: bytes.toString("utf8"), checksum: sha256Hex(bytes) });
  }
  return migrations;
}

/**
 * Whether `recorded` (from `_prisma_migrations`) matches the file. Like Prisma, line endings do not
 * count: a checkout that turned LF into CRLF (or back) has not modified the migration.
 */
export function matchesChecksum(migration: MigrationFile, recorded: string): boolean {
  const lf = migration.sql.replaceAll("\r\n", "\n");
  const candidates = [
    migration.checksum,
    sha256Hex(Buffer.from(lf)),
    sha256Hex(Buffer.from(lf.replaceAll("\n", "\r\n"))),
  ];
  return candidates.includes(recorded.toLowerCase());
}

function sha256Hex(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

// The lock file records which database the SQL was written for; running MySQL SQL on Postgres
// would fail half-way through a migration, so refuse up front. A missing file is tolerated.
async function checkLockFile(migrationsDir: string, exists: boolean): Promise<void> {
  if (!exists) return;
  const text = await readFile(path.join(migrationsDir, lockFileName), "utf8");
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(text)?.[1];
  if (provider !== "postgresql") {
    throw new MigrationError(
      "invalid_migrations_dir",
      `${lockFileName} in ${migrationsDir} says provider = "${provider ?? "(none)"}", but this runner only applies PostgreSQL migrations.`,
    );
  }
}
