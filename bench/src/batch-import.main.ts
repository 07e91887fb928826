// `pnpm bench:import [--quick] [--fixed-concurrency]`: the batch-import section of `pnpm bench` on its own: the 1-worker
// create drain (single requests) for reference, then the import end to end through
// POST /v1/contacts/batch. See the README's "Benchmark" section.
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { runBatchImport } from "./batch-import.bench";
import { createBenchDatabase } from "./bench-database";
import { cleanUpOnSignals, createCleanup } from "./cleanup";
import { benchEnvSchema, settingsFor } from "./config";
import { runDrainPhase, startDrainStack } from "./drain.bench";
import { setUpRedis } from "./redis-setup";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    contacts: { type: "string" },
    "fixed-concurrency": { type: "boolean", default: false },
  },
});
const env = benchEnvSchema.parse(process.env);
const settings = settingsFor(flags.quick ? "quick" : "full", {
  tableSize: false,
  sharedRedis: false,
  fixedConcurrency: flags["fixed-concurrency"],
});
const contacts = flags.contacts === undefined ? settings.importContacts : Number(flags.contacts);
if (!Number.isInteger(contacts) || contacts < 1_000) throw new Error("--contacts must be an integer ≥ 1000");
const startedAt = Date.now();
const log = (line: string) =>
  process.stderr.write(`[bench:import ${((Date.now() - startedAt) / 1_000).toFixed(0)}s] ${line}\n`);
const cleanup = createCleanup(log);
cleanUpOnSignals(cleanup, log);
const loadAtStart = loadavg()[0] ?? 0;

try {
  const redis = await setUpRedis(null, cleanup);
  const context = { settings, redis, cleanup, log };
  const stack = await startDrainStack(
    context,
    await createBenchDatabase(env.DATABASE_URL, "import", cleanup),
  );
  const [single] = await runDrainPhase(context, stack, { workers: 1, tag: "one", kinds: ["create"] });
  if (!single) throw new Error("the reference drain returned nothing");
  const run = await runBatchImport(context, stack, { contacts, workers: 1 });
  const f = (n: number, digits = 2) => n.toFixed(digits);
  process.stdout.write(
    [
      "",
      `bench:import ${settings.mode} · load ${f(loadAtStart, 1)} → ${f(loadavg()[0] ?? 0, 1)} · ${Math.round((Date.now() - startedAt) / 1_000)} s`,
      "what                                          per s   CPU ms each  of which",
      `single requests: ${single.requests} creates, 1 worker (drain) ${f(single.per_s, 1).padStart(7)}  ${f(single.cpu_ms_per_req).padStart(11)}  worker ${f(single.worker_cpu_ms_per_req)} + postgres ${f(single.postgres_cpu_ms_per_req)} + redis ${f(single.redis_cpu_ms_per_req)} (intake not counted)`,
      `batch import: ${run.contacts} contacts, 1 worker      ${f(run.per_s, 1).padStart(7)}  ${f(run.cpu_ms_per_contact).padStart(11)}  cli ${f(run.cli_cpu_ms_per_contact)} + api ${f(run.api_cpu_ms_per_contact)} + worker ${f(run.worker_cpu_ms_per_contact)} + postgres ${f(run.postgres_cpu_ms_per_contact)} + redis ${f(run.redis_cpu_ms_per_contact)}`,
      "",
      `batch import / single requests = ${f(run.per_s / single.per_s)} (target ≥ 0.9); ${run.summary.batches} batches, ${run.summary.created} created, ${run.summary.failed} failed, ${run.summary.rate_limited_waits} rate-limit waits; machine ${f(run.machine_busy_pct, 0)}% busy`,
      "",
    ].join("\n"),
  );
} catch (err) {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
} finally {
  log("cleaning up");
  await cleanup.run();
}
