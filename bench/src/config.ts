import { z } from "zod";

/** The benchmark's environment: which servers to use. Everything else is a command-line flag. */
export const benchEnvSchema = z.object({
  /** Server the benchmark creates its own databases on (the database named here is not touched). */
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default("postgresql://postgres@127.0.0.1:5432/contact_upsert"),
  /** Redis for `--shared-redis`; by default the benchmark starts a private redis-server. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379"),
  /** Where pgbench is looked for (the ceiling is skipped without it). */
  PATH: z.string().default(""),
});
export type BenchEnv = z.infer<typeof benchEnvSchema>;

export type BenchMode = "quick" | "full";

/** Sizes of one run. Quick fits in about 3 minutes here, full in about 12 (see README). */
export interface BenchSettings {
  mode: BenchMode;
  /** autocannon connections for the intake runs. */
  connections: number;
  intakeWarmupS: number;
  intakeDurationS: number;
  /** Organisations the project's intake is spread over (baselines check the same keys). */
  intakeOrgs: number;
  /** Creates per drain, and as many updates of the same people. */
  drainRequests: number;
  /** Unwritten intake rows of other people ahead of the backlog drain. */
  backlogRows: number;
  /** Contacts imported end to end through the batch endpoint (`pnpm cli import`). */
  importContacts: number;
  /** Contacts loaded into the organisation for the table-size drains; 0 skips them. */
  tableSizeContacts: number;
  /** Each worker's WORKER_CONCURRENCY: the ceiling of its adaptive limit, or with `fixedConcurrency` its count. */
  workerConcurrency: number;
  fixedConcurrency: boolean;
  workerPoolSize: number;
  /** Longest wait for one drain before it is reported incomplete. */
  drainDeadlineMs: number;
  pgbenchClients: number;
  pgbenchSeconds: number;
  /** Start a private redis-server (default) or use REDIS_URL. */
  sharedRedis: boolean;
}

export function settingsFor(
  mode: BenchMode,
  flags: {
    tableSize: boolean;
    sharedRedis: boolean;
    workerConcurrency?: number | undefined;
    fixedConcurrency?: boolean | undefined;
  },
): BenchSettings {
  const quick = mode === "quick";
  return {
    mode,
    connections: 50,
    intakeWarmupS: quick ? 3 : 5,
    intakeDurationS: quick ? 8 : 20,
    intakeOrgs: 20,
    drainRequests: quick ? 300 : 1_000,
    backlogRows: quick ? 5_000 : 50_000,
    importContacts: quick ? 10_000 : 100_000,
    tableSizeContacts: flags.tableSize || !quick ? 1_000_000 : 0,
    workerConcurrency: flags.workerConcurrency ?? 20,
    fixedConcurrency: flags.fixedConcurrency ?? false,
    workerPoolSize: 10,
    drainDeadlineMs: quick ? 45_000 : 150_000,
    pgbenchClients: 4,
    pgbenchSeconds: 10,
    sharedRedis: flags.sharedRedis,
  };
}
