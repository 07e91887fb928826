// `node --import tsx bench/src/prepared-statements.bench.ts`: what unnamed statements (behind
// PgBouncer, `pgbouncer=true`) cost on the hot path against named ones. Runs the intake statement
// and the dispatcher's indexed read from 8 concurrent callers on one pool, three ways: direct and
// named (the default), direct and unnamed, through PgBouncer (transaction mode) and unnamed.
// See the README's "PgBouncer" section.
import { parseArgs } from "node:util";
import { acceptRequests, createDb, type Db, findUnfinishedRequests } from "@upsert/db";
import { startPgBouncer } from "@upsert/testing";
import { createBenchDatabase } from "./bench-database";
import { cleanUpOnSignals, createCleanup } from "./cleanup";
import { benchEnvSchema } from "./config";

const { values: flags } = parseArgs({ options: { requests: { type: "string", default: "4000" } } });
const requests = Number(flags.requests);
if (!Number.isInteger(requests) || requests < 100) throw new Error("--requests must be an integer ≥ 100");
const concurrency = 8;
const env = benchEnvSchema.parse(process.env);
const log = (line: string) => process.stderr.write(`[bench:statements] ${line}\n`);
const cleanup = createCleanup(log);
cleanUpOnSignals(cleanup, log);

/** Runs `call` `total` times from `concurrency` loops; statements per second and mean latency. */
async function measure(total: number, call: (i: number) => Promise<unknown>) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await call(next++);
    }),
  );
  const ms = performance.now() - started;
  return { perSecond: Math.round((total / ms) * 1_000), meanMs: (ms / total) * concurrency };
}

try {
  const database = await createBenchDatabase(env.DATABASE_URL, "statements", cleanup);
  const [org] = await database.createOrgs(1, "statements");
  if (!org) throw new Error("no org");
  const bouncer = await startPgBouncer({ serverUrl: database.url, poolSize: concurrency });
  cleanup.add("stop pgbouncer", () => bouncer.stop());

  const ways: [string, () => Db][] = [
    ["direct, named", () => createDb(database.url, { maxConnections: concurrency })],
    [
      "direct, unnamed",
      () => createDb(database.url, { maxConnections: concurrency, preparedStatements: false }),
    ],
    ["pgbouncer, unnamed", () => createDb(bouncer.urlFor(database.url), { maxConnections: concurrency })],
  ];
  const rows: string[] = [];
  for (const [label, open] of ways) {
    const db = open();
    const accept = (i: number) =>
      acceptRequests(
        db.pool,
        [
          {
            orgId: org.id,
            operation: "contact.upsert",
            payload: { email: `${label.replaceAll(/\W/g, "")}${i}@bench.io` },
            payloadHash: `${label}${i}`,
            identityKeys: [`email:${label.replaceAll(/\W/g, "")}${i}@bench.io`],
          },
        ],
        {
          idempotencyWindowMs: 86_400_000,
          outcomeDeadlineMs: 2_000,
          transactionPooling: db.transactionPooling,
        },
      );
    const read = () =>
      findUnfinishedRequests(db.pool, { acceptedBefore: new Date(), afterSeq: 0n, limit: 10 });
    await measure(200, (i) => accept(-1 - i)); // warm-up: connections open, plans cached
    await measure(200, read);
    const intake = await measure(requests, accept);
    const reads = await measure(requests, read);
    await db.close();
    rows.push(
      `| ${label.padEnd(18)} | ${String(intake.perSecond).padStart(6)} | ${intake.meanMs.toFixed(2).padStart(6)} | ${String(reads.perSecond).padStart(6)} | ${reads.meanMs.toFixed(2).padStart(6)} |`,
    );
  }
  process.stdout.write(
    `${requests} statements each, ${concurrency} concurrent callers, one pool of ${concurrency}\n` +
      "| route              | intake/s | ms   | read/s | ms   |\n" +
      `${rows.join("\n")}\n`,
  );
} finally {
  await cleanup.run();
}
