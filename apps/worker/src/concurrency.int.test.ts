import { createDb, createOrganization, type Db } from "@upsert/db";
import {
  type AppProcess,
  createTestDatabase,
  startAppProcess,
  type TestDatabase,
  uniqueQueuePrefix,
  waitFor,
} from "@upsert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";

// G1 under real concurrency: one API, four worker processes, many requests for one new person.
let database: TestDatabase;
let db: Db;
let api: AppProcess;
let workers: AppProcess[] = [];
let apiUrl: string;
let key: string;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { maxConnections: 3 });
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: "redis://127.0.0.1:6379",
    QUEUE_PREFIX: uniqueQueuePrefix(),
  };
  api = startAppProcess("api", { ...env, PORT: "0", HOST: "127.0.0.1" });
  workers = Array.from({ length: 4 }, () =>
    startAppProcess("worker", {
      ...env,
      ENRICHMENT_LATENCY_MS: "200",
      WORKER_CONCURRENCY: "20",
      DATABASE_POOL_SIZE: "8",
    }),
  );
  const port = await waitFor(() => /"port":(\d+)[^\n]*api listening/.exec(api.output())?.[1], {
    timeoutMs: 20_000,
    intervalMs: 100,
    message: "api did not start",
  });
  apiUrl = `http://127.0.0.1:${port}`;
  await waitFor(() => workers.every((w) => w.output().includes("worker started")), {
    timeoutMs: 30_000,
    intervalMs: 100,
    message: "workers did not start",
  });
  key = (await createOrganization(db.prisma, { name: "G1" })).apiKey.secret;
}, 60_000);

afterAll(async () => {
  await Promise.all([api?.stop(), ...workers.map((w) => w.stop())]);
  await db?.close();
  await database?.drop();
});

it("40 concurrent upserts of one new email over 4 workers: one contact, one account, one enrichment call", async () => {
  // 20 in flight at a time: all 40 jobs are queued within a second or so, so the workers still
  // race on the same person. (One org's intake is serialised by design; see README limitations.)
  const statuses: number[] = [];
  const send = async (i: number) => {
    const res = await fetch(`${apiUrl}/v1/contacts`, {
      method: "PUT",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      // Mixed case and spacing: all the same person.
      body: JSON.stringify({
        email: i % 2 ? " Dana@Vandelay.com " : "dana@vandelay.COM",
        location: `City ${i}`,
      }),
    });
    statuses.push(res.status);
  };
  for (let i = 0; i < 40; i += 20) {
    await Promise.all(Array.from({ length: 20 }, (_, j) => send(i + j)));
  }
  const failedStatuses = statuses.filter((s) => s !== 202);
  expect(failedStatuses).toEqual([]);

  await waitFor(
    async () =>
      (await db.prisma.intakeRequest.count({ where: { status: { in: ["queued", "running"] } } })) === 0,
    { timeoutMs: 90_000, intervalMs: 250, message: "requests did not all finish" },
  );
  const outcomes = await db.prisma.intakeRequest.groupBy({ by: ["status"], _count: true });
  expect(outcomes).toEqual([{ status: "succeeded", _count: 40 }]);

  const contacts = await db.prisma.contact.findMany();
  expect(contacts).toHaveLength(1);
  expect(await db.prisma.account.count()).toBe(1);
  const created = await db.prisma.intakeRequest.findMany({
    where: { result: { path: ["action"], equals: "created" } },
  });
  expect(created).toHaveLength(1);

  // The last accepted request's value wins (acceptance order), whichever worker ran it.
  const last = await db.prisma.intakeRequest.findFirstOrThrow({ orderBy: { seq: "desc" } });
  expect(contacts[0]?.location).toBe((last.payload as { location: string }).location);

  const providerCalls = workers
    .map(
      (w) =>
        w
          .output()
          .split("\n")
          .filter((line) => line.includes("enrichment provider called")).length,
    )
    .reduce((a, b) => a + b, 0);
  expect(providerCalls).toBe(1);
  expect(contacts[0]?.enrichmentStatus).toBe("applied");
}, 120_000);
