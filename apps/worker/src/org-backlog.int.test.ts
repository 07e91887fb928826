import { randomUUID } from "node:crypto";
import {
  closeRedis,
  createJobProducer,
  createRedis,
  type JobProducer,
  type Redis,
  type RequestJobPayload,
  upsertContactJob,
} from "@upsert/queue";
import { dropQueuePrefix, uniqueQueuePrefix } from "@upsert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";

// The order a worker takes jobs in, with fairness between organisations: each job ranks in its
// org's backlog, so an org that sends one job is not queued behind another org's import.
const redisUrl = "redis://127.0.0.1:6379";
const prefix = uniqueQueuePrefix();
let redis: Redis;
let producer: JobProducer;

beforeAll(() => {
  redis = createRedis(redisUrl, "worker");
  producer = createJobProducer(upsertContactJob, { connection: redis, prefix });
});

afterAll(async () => {
  await producer?.close();
  if (redis) await closeRedis(redis);
  await dropQueuePrefix(redisUrl, prefix);
});

const jobOf = (orgId: string): RequestJobPayload => ({ v: 1, requestId: randomUUID(), orgId });

/** The orgs of the queued jobs in the order a worker takes them. */
const runOrder = async () => (await producer.nextJobs(100)).map((job) => job.orgId);

it("an org's single job runs after at most one job of another org's earlier import, and the backlog counts return to zero", async () => {
  const [importer, small, other] = [randomUUID(), randomUUID(), randomUUID()];
  await producer.enqueueMany(Array.from({ length: 6 }, () => jobOf(importer)));
  await producer.enqueue(jobOf(small));
  await producer.enqueueMany([jobOf(other), jobOf(other)]);
  expect(Object.fromEntries(await backlogs())).toEqual({ [importer]: 6, [small]: 1, [other]: 2 });

  // Rank 1 of each org first (in the order added), then rank 2, then the rest of the import.
  expect(await runOrder()).toEqual([
    importer,
    small,
    other,
    importer,
    other,
    importer,
    importer,
    importer,
    importer,
  ]);

  // Each run that ends settles one job of its org (as the processor does): back to no backlog.
  for (const org of await runOrder()) await producer.settle(org);
  expect(await backlogs()).toEqual(new Map());
});

it("a count that drifted (a job id added twice) is repaired by a reset, and never goes below zero", async () => {
  const org = randomUUID();
  const job = jobOf(org);
  await producer.enqueue(job);
  await producer.enqueue(job); // BullMQ keeps one job; the count says two
  expect((await backlogs()).get(org)).toBe(2);
  await producer.resetBacklogs(new Map([[org, 1]]));
  expect((await backlogs()).get(org)).toBe(1);
  await producer.settle(org);
  await producer.settle(org); // settled twice (a stalled run of a finished job)
  expect((await backlogs()).has(org)).toBe(false);
});

const backlogs = async () => {
  const fields = await redis.hgetall(`${prefix}:fair:${upsertContactJob.queue}`);
  return new Map(Object.entries(fields).map(([org, count]) => [org, Number(count)]));
};
