// `pnpm bench` (full) and `pnpm bench --quick`: see the README's "Benchmark" section.
import { execFileSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { runBatchImport } from "./batch-import.bench";
import { createBenchDatabase } from "./bench-database";
import { cleanUpOnSignals, createCleanup } from "./cleanup";
import { benchEnvSchema, settingsFor } from "./config";
import { loadBacklog, runDrainPhase, startDrainStack } from "./drain.bench";
import { runIntakeBench } from "./intake.bench";
import { measurePgbenchCeiling } from "./pgbench-ceiling";
import { setUpRedis } from "./redis-setup";
import { buildResult, renderText, writeResults } from "./report";
import { loadContacts } from "./table-size";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "table-size": { type: "boolean", default: false },
    "shared-redis": { type: "boolean", default: false },
    "worker-concurrency": { type: "string" },
    "fixed-concurrency": { type: "boolean", default: false },
  },
});
const env = benchEnvSchema.parse(process.env);
const settings = settingsFor(flags.quick ? "quick" : "full", {
  tableSize: flags["table-size"],
  sharedRedis: flags["shared-redis"],
  workerConcurrency: parseConcurrency(flags["worker-concurrency"]),
  fixedConcurrency: flags["fixed-concurrency"],
});
const startedAt = new Date();

function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--worker-concurrency must be a positive integer, got "${value}"`);
  return n;
}
const loadAtStart = loadavg()[0] ?? 0;
const log = (line: string) =>
  process.stderr.write(`[bench ${((Date.now() - startedAt.getTime()) / 1_000).toFixed(0)}s] ${line}\n`);
const cleanup = createCleanup(log);
cleanUpOnSignals(cleanup, log);
const repoRoot = path.resolve(import.meta.dirname, "../..");

try {
  const commit = {
    sha: execFileSync("git", ["rev-parse", "HEAD"], { cwd: repoRoot }).toString().trim(),
    dirty:
      execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: repoRoot })
        .toString()
        .trim() !== "",
  };
  log(`${settings.mode} run on ${commit.sha.slice(0, 12)}${commit.dirty ? " (uncommitted changes)" : ""}`);
  const redis = await setUpRedis(settings.sharedRedis ? env.REDIS_URL : null, cleanup);
  const context = { settings, redis, cleanup, log };

  const intakeDatabase = await createBenchDatabase(env.DATABASE_URL, "intake", cleanup);
  const intake = await runIntakeBench({ ...context, database: intakeDatabase });
  log("ceiling: pgbench");
  const ceiling = await measurePgbenchCeiling(intakeDatabase, {
    clients: settings.pgbenchClients,
    seconds: settings.pgbenchSeconds,
    searchPath: env.PATH,
    cleanup,
  });

  const drainStack = await startDrainStack(
    context,
    await createBenchDatabase(env.DATABASE_URL, "drain", cleanup),
  );
  const drains = [
    ...(await runDrainPhase(context, drainStack, { workers: 1, tag: "one", kinds: ["create", "update"] })),
    ...(await runDrainPhase(context, drainStack, { workers: 2, tag: "two", kinds: ["create", "update"] })),
  ];
  // Same stack and worker settings as the drains: end to end through the batch endpoint.
  const batchImport = await runBatchImport(context, drainStack, {
    contacts: settings.importContacts,
    workers: 1,
  });
  log(`backlog: accepting ${settings.backlogRows} requests under a prefix no worker consumes`);
  const queuedAhead = await loadBacklog(context, drainStack, settings.backlogRows);
  await drainStack.database.client.query("ANALYZE");
  const [backlogRun] = await runDrainPhase(context, drainStack, {
    workers: 1,
    tag: "behind",
    kinds: ["create"],
  });
  if (!backlogRun) throw new Error("the backlog drain returned nothing");

  let tableSize: { contacts: number; runs: Awaited<ReturnType<typeof runDrainPhase>> } | null = null;
  if (settings.tableSizeContacts > 0) {
    const tableStack = await startDrainStack(
      context,
      await createBenchDatabase(env.DATABASE_URL, "table", cleanup),
    );
    log(`table size: loading ${settings.tableSizeContacts} contacts`);
    await loadContacts(tableStack.database, tableStack.org.id, settings.tableSizeContacts);
    tableSize = {
      contacts: settings.tableSizeContacts,
      runs: await runDrainPhase(context, tableStack, {
        workers: 1,
        tag: "large",
        kinds: ["create", "update"],
      }),
    };
  }

  const result = buildResult({
    settings,
    commit,
    startedAt,
    machine: {
      cpus: availableParallelism(),
      node: process.versions.node,
      redis: settings.sharedRedis ? "shared" : "private",
      load_average: [loadAtStart, loadavg()[0] ?? 0],
    },
    intake,
    drains,
    batchImport,
    backlog: { queuedAhead, run: backlogRun },
    tableSize,
    ceiling,
  });
  process.stdout.write(`\n${renderText(result)}\n`);
  const files = await writeResults(result, path.join(repoRoot, "bench/results"));
  log(`wrote ${files.map((file) => path.relative(repoRoot, file)).join(", ")}`);
} catch (err) {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
} finally {
  log("cleaning up");
  await cleanup.run();
}
