// `pnpm bench:batch`: how long the project's API takes to accept (202) a 1,000-item
// POST /v1/contacts/batch: validation of every item, the one intake statement, the one addBulk.
// No workers run, so only acceptance is measured. See the README's "Batches" section.
import { parseArgs } from "node:util";
import { dropQueuePrefix, uniqueQueuePrefix } from "@upsert/testing";
import { createBenchDatabase } from "./bench-database";
import { cleanUpOnSignals, createCleanup } from "./cleanup";
import { benchEnvSchema } from "./config";
import { startProjectApi } from "./processes";

const { values: flags } = parseArgs({
  options: {
    batches: { type: "string", default: "100" },
    items: { type: "string", default: "1000" },
    warmup: { type: "string", default: "10" },
  },
});
const batches = Number(flags.batches);
const itemsPerBatch = Number(flags.items);
const warmup = Number(flags.warmup);
if (!Number.isInteger(batches) || batches < 5) throw new Error("--batches must be an integer ≥ 5");
if (!Number.isInteger(itemsPerBatch) || itemsPerBatch < 1 || itemsPerBatch > 100_000)
  throw new Error("--items must be an integer from 1 to 100000");
if (!Number.isInteger(warmup) || warmup < 0) throw new Error("--warmup must be an integer ≥ 0");

const env = benchEnvSchema.parse(process.env);
const startedAt = Date.now();
const log = (line: string) =>
  process.stderr.write(`[bench:batch ${((Date.now() - startedAt) / 1_000).toFixed(0)}s] ${line}\n`);
const cleanup = createCleanup(log);
cleanUpOnSignals(cleanup, log);

/** Realistic items: every field a CRM export has, distinct people in every batch. */
function batchBody(batch: number) {
  return {
    items: Array.from({ length: itemsPerBatch }, (_, i) => {
      const n = batch * itemsPerBatch + i;
      return {
        email: `person${n}@company${n % 500}.com`,
        first_name: `First${n}`,
        last_name: `Last${n}`,
        title: "Head of Engineering",
        phone_number: `+1 415 555 ${String(n % 10_000).padStart(4, "0")}`,
        location: "San Francisco, CA",
        linkedin_url: `https://www.linkedin.com/in/person-${n}`,
        domain: `company${n % 500}.com`,
      };
    }),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

try {
  const database = await createBenchDatabase(env.DATABASE_URL, "batch", cleanup);
  const [org] = await database.createOrgs(1, "batch");
  if (!org) throw new Error("no org");
  const queuePrefix = uniqueQueuePrefix();
  cleanup.add(`delete redis keys ${queuePrefix}:*`, () => dropQueuePrefix(env.REDIS_URL, queuePrefix));
  const api = await startProjectApi(
    { databaseUrl: database.url, redisUrl: env.REDIS_URL, queuePrefix },
    cleanup,
    {
      RATE_LIMIT_ITEMS_PER_MINUTE: "10000000",
      ...(process.env.BENCH_API_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_API_NODE_OPTIONS } : {}),
    },
  );
  // Bodies are built (and serialised) before the clock starts: only the API's work is timed.
  const bodies = Array.from({ length: warmup + batches }, (_, b) => JSON.stringify(batchBody(b)));
  log(
    `sending ${warmup} warm-up and ${batches} timed batches of ${itemsPerBatch} items ` +
      `(${(Buffer.byteLength(bodies[0] ?? "") / 1024).toFixed(0)} KiB each), one at a time`,
  );
  const times: number[] = [];
  for (const [b, body] of bodies.entries()) {
    const began = performance.now();
    const res = await fetch(`${api.url}/v1/contacts/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${org.key}`, "content-type": "application/json" },
      body,
    });
    const json = (await res.json()) as { data?: { accepted: number } };
    const ms = performance.now() - began;
    if (res.status !== 202 || json.data?.accepted !== itemsPerBatch)
      throw new Error(`batch ${b}: ${res.status} ${JSON.stringify(json).slice(0, 500)}`);
    if (b >= warmup) times.push(ms);
  }
  const { rows } = await database.client.query<{ rows: string }>(
    "SELECT count(*) AS rows FROM intake_requests WHERE batch_id IS NOT NULL",
  );
  times.sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  process.stdout.write(
    [
      `batch accept (${itemsPerBatch} items, ${batches} batches, sequential)`,
      `  p50 ${fmt(percentile(times, 50))}   p90 ${fmt(percentile(times, 90))}   p99 ${fmt(percentile(times, 99))}   max ${fmt(times.at(-1) ?? Number.NaN)}`,
      `  target: p50 ≤ 150 ms: ${percentile(times, 50) <= 150 ? "met" : "MISSED"}`,
      `  intake rows recorded: ${rows[0]?.rows} (expected ${(warmup + batches) * itemsPerBatch})`,
      "",
    ].join("\n"),
  );
} finally {
  await cleanup.run();
}
