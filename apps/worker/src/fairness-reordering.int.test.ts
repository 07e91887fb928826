import { createOrganization } from "@upsert/db";
import {
  closeRedis,
  createJobProducer,
  createRedis,
  type JobProducer,
  type Redis,
  upsertContactJob,
} from "@upsert/queue";
import { afterAll, beforeAll, expect, it } from "vitest";
import { importContacts } from "./testing/import-requests";
import { type Stack, startStack } from "./testing/start-stack";

// Ranks are taken when a job is added, from its org's backlog then. A request an org sends while
// its own import is still queued can therefore rank before the import's last rows: the order of
// the queue is no longer the acceptance order within that org. The ordered write keeps G2 (a
// request waits for an earlier unwritten one of the same person, and is woken once that is
// written); this test shows it does, and prints what the reordering cost in waits.
let stack: Stack;
let redis: Redis;
let producer: JobProducer;

beforeAll(async () => {
  stack = await startStack({ workers: 2, workerEnv: { WORKER_CONCURRENCY: "4", DATABASE_POOL_SIZE: "8" } });
  redis = createRedis(stack.workerEnv.REDIS_URL ?? "", "worker");
  producer = createJobProducer(upsertContactJob, {
    connection: redis,
    prefix: stack.workerEnv.QUEUE_PREFIX ?? "",
  });
}, 60_000);

afterAll(async () => {
  await producer?.close();
  if (redis) await closeRedis(redis);
  await stack?.stop();
});

it("updates sent while the org's own import is queued overtake its creates in the queue, and still apply after them", async () => {
  const { prisma } = stack.db;
  const { org, apiKey } = await createOrganization(prisma, { name: "Importer" });
  const size = 1_500;
  const updated = 100;
  const emailOf = (i: number) => `imp-${i}@gmail.com`;
  await importContacts(
    { pool: stack.db.pool, producer },
    {
      orgId: org.id,
      bodies: Array.from({ length: size }, (_, i) => ({ email: emailOf(i), title: "Imported" })),
    },
  );
  // The import's last rows, updated through the API while most of the import is still queued.
  const queuedBefore = await prisma.intakeRequest.count({ where: { orgId: org.id, status: "queued" } });
  const waitedBefore = await stack.metric("upsert_job_runs_total", { outcome: "waited" });
  const answers = await Promise.all(
    Array.from({ length: updated }, async (_, i) => {
      const res = await fetch(`${stack.apiUrl}/v1/contacts`, {
        method: "PUT",
        headers: { authorization: `Bearer ${apiKey.secret}`, "content-type": "application/json" },
        body: JSON.stringify({ email: emailOf(size - updated + i), title: "Updated" }),
      });
      return res.status;
    }),
  );
  expect(answers.filter((status) => status !== 202)).toEqual([]);

  await stack.drain(300_000);
  const contacts = await prisma.contact.findMany({
    where: { orgId: org.id },
    select: { email: true, title: true },
  });
  expect(contacts).toHaveLength(size);
  const titles = new Map(contacts.map((contact) => [contact.email, contact.title]));
  const wrong = Array.from({ length: size }, (_, i) => i).filter(
    (i) => titles.get(emailOf(i)) !== (i >= size - updated ? "Updated" : "Imported"),
  );
  expect(wrong).toEqual([]);
  // Every update is an update of the contact its import row created (not a create of its own).
  expect(
    await prisma.intakeRequest.count({
      where: { orgId: org.id, result: { path: ["action"], equals: "updated" } },
    }),
  ).toBe(updated);

  const waited = (await stack.metric("upsert_job_runs_total", { outcome: "waited" })) - waitedBefore;
  console.log(
    JSON.stringify({
      import: size,
      queued_when_updates_sent: queuedBefore,
      updates: updated,
      waited_runs: waited,
    }),
  );
}, 360_000);
