import { randomUUID } from "node:crypto";
import {
  closeRedis,
  createJobProducer,
  createRedis,
  type RequestJobPayload,
  upsertContactJob,
} from "@upsert/queue";
import { startRedisServer, uniqueQueuePrefix } from "@upsert/testing";
import { Queue, Worker } from "bullmq";

// What fairness between organisations costs BullMQ: plain FIFO adds (what the producer did
// before) against the producer's ranked, prioritized adds (one more round trip for the ranks), and
// a worker draining FIFO jobs against prioritized ones (plus the settle each run ends with).
// On a private redis-server, so other users of the machine's Redis are not counted. Prints JSON.
//   pnpm bench:fair-queue [jobs]   (default 10,000 jobs per measurement)

const jobs = Number(process.argv[2] ?? 10_000);
const inFlight = 50;
const chunk = 1_000;
const rounds = 3;

const server = await startRedisServer();
const connection = createRedis(server.url, "worker");

const payloadsFor = (orgs: string[]): RequestJobPayload[] =>
  Array.from({ length: jobs }, (_, i) => ({
    v: 1,
    requestId: randomUUID(),
    orgId: orgs[i % orgs.length] ?? "",
  }));

/** Runs `add` for every payload, `inFlight` at a time; returns jobs/s. */
async function timeSingles(payloads: RequestJobPayload[], add: (p: RequestJobPayload) => Promise<unknown>) {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < payloads.length) {
        const payload = payloads[next++];
        if (payload) await add(payload);
      }
    }),
  );
  return payloads.length / ((performance.now() - started) / 1_000);
}

async function timeBulks(
  payloads: RequestJobPayload[],
  addBulk: (p: RequestJobPayload[]) => Promise<unknown>,
) {
  const started = performance.now();
  for (let i = 0; i < payloads.length; i += chunk) await addBulk(payloads.slice(i, i + chunk));
  return payloads.length / ((performance.now() - started) / 1_000);
}

/** A worker (concurrency 50, no-op processor) drains what is queued under `prefix`; jobs/s. */
async function timeDrain(prefix: string, onDone: (p: RequestJobPayload) => Promise<unknown>) {
  let done = 0;
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const workerConnection = createRedis(server.url, "worker");
  const started = performance.now();
  const worker = new Worker(
    upsertContactJob.queue,
    async (job) => {
      await onDone(job.data as RequestJobPayload);
    },
    { connection: workerConnection, prefix, concurrency: inFlight },
  );
  worker.on("completed", () => {
    done += 1;
    if (done === jobs) finish();
  });
  await finished;
  const perS = jobs / ((performance.now() - started) / 1_000);
  await worker.close();
  await closeRedis(workerConnection);
  return perS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const results: Record<string, number[]> = {};
const record = (name: string, value: number) => {
  results[name] ??= [];
  results[name].push(Math.round(value));
};

try {
  for (let round = 0; round < rounds; round += 1) {
    // One org importing, three more sending a little: the ranks of several orgs are reserved.
    const orgs = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const plainPrefix = uniqueQueuePrefix();
    const fairPrefix = uniqueQueuePrefix();
    const plain = new Queue(upsertContactJob.queue, { connection, prefix: plainPrefix });
    const fair = createJobProducer(upsertContactJob, { connection, prefix: fairPrefix });
    const addPlain = (payload: RequestJobPayload) =>
      plain.add(upsertContactJob.name, payload, { ...upsertContactJob.options, jobId: payload.requestId });

    record("single_add_plain_per_s", await timeSingles(payloadsFor(orgs), addPlain));
    record("single_add_fair_per_s", await timeSingles(payloadsFor(orgs), (payload) => fair.enqueue(payload)));
    record(
      "bulk_add_plain_per_s",
      await timeBulks(payloadsFor(orgs), (payloads) =>
        plain.addBulk(
          payloads.map((data) => ({
            name: upsertContactJob.name,
            data,
            opts: { ...upsertContactJob.options, jobId: data.requestId },
          })),
        ),
      ),
    );
    record(
      "bulk_add_fair_per_s",
      await timeBulks(payloadsFor(orgs), (payloads) => fair.enqueueMany(payloads)),
    );
    // Each queue now holds 2 × jobs; drain the first `jobs` of each.
    record("drain_plain_per_s", await timeDrain(plainPrefix, async () => undefined));
    record("drain_fair_per_s", await timeDrain(fairPrefix, (payload) => fair.settle(payload.orgId)));
    await plain.obliterate({ force: true });
    await plain.close();
    await fair.close();
  }
  console.log(
    JSON.stringify(
      {
        jobs,
        in_flight: inFlight,
        rounds,
        median: Object.fromEntries(Object.entries(results).map(([name, values]) => [name, median(values)])),
        all: results,
      },
      null,
      1,
    ),
  );
} finally {
  await closeRedis(connection);
  await server.stop();
}
