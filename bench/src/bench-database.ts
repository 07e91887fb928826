import { randomBytes } from "node:crypto";
import { createDb, createOrganization, ensureDatabase, migrate, replaceDatabaseName } from "@upsert/db";
import { dropDatabaseForcefully } from "@upsert/testing";
import pg from "pg";
import type { Cleanup } from "./cleanup";

/** The benchmark's own connections carry this name, so its polling is not counted as the stack's CPU. */
export const benchApplicationName = "upsert-bench";

export interface BenchOrg {
  id: string;
  /** Bearer secret of its API key. */
  key: string;
}

export interface BenchDatabase {
  name: string;
  url: string;
  /** One connection of the benchmark's own (its reads and bulk loads). */
  client: pg.Client;
  /** Pids of the Postgres backends serving this database, the benchmark's own excepted. */
  backendPids(): Promise<number[]>;
  createOrgs(count: number, label: string): Promise<BenchOrg[]>;
  /** Intake rows of `orgId` that are done: written or failed, and their enrichment (if any) finished. */
  countFinished(orgId: string): Promise<{ finished: number; failed: number }>;
}

/**
 * A fresh database created and migrated with the project's own runner (as a deployment does),
 * dropped by `cleanup`.
 */
export async function createBenchDatabase(
  serverUrl: string,
  purpose: string,
  cleanup: Cleanup,
): Promise<BenchDatabase> {
  const name = `upsert_bench_${purpose}_${randomBytes(4).toString("hex")}`;
  const url = replaceDatabaseName(serverUrl, name);
  const maintenanceUrl = replaceDatabaseName(serverUrl, "postgres");
  cleanup.add(`drop database ${name}`, () => dropDatabaseForcefully(maintenanceUrl, name));
  await ensureDatabase(url);
  await migrate(url);

  const client = new pg.Client({ connectionString: url, application_name: benchApplicationName });
  client.on("error", () => {}); // a dropped connection surfaces on the next query
  await client.connect();
  cleanup.add(`close connection to ${name}`, () => client.end());

  return {
    name,
    url,
    client,
    async backendPids() {
      const { rows } = await client.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name <> $1",
        [benchApplicationName],
      );
      return rows.map((row) => row.pid);
    },
    async createOrgs(count, label) {
      const db = createDb(withApplicationName(url), { maxConnections: 2 });
      try {
        const orgs: BenchOrg[] = [];
        for (let i = 0; i < count; i += 1) {
          const { org, apiKey } = await createOrganization(db.prisma, { name: `${label} ${i + 1}` });
          orgs.push({ id: org.id, key: apiKey.secret });
        }
        return orgs;
      } finally {
        await db.close();
      }
    },
    async countFinished(orgId) {
      // Through the (status, seq) index: only finished rows are visited, however many are queued.
      const { rows } = await client.query<{ finished: string; failed: string }>(
        `SELECT count(*) FILTER (WHERE enrichment_due_at IS NULL) AS finished,
                count(*) FILTER (WHERE status = 'failed') AS failed
           FROM intake_requests
          WHERE status IN ('succeeded', 'failed') AND org_id = $1`,
        [orgId],
      );
      return { finished: Number(rows[0]?.finished ?? 0), failed: Number(rows[0]?.failed ?? 0) };
    },
  };
}

function withApplicationName(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set("application_name", benchApplicationName);
  return url.toString();
}
