import { createDb, createOrganization, type Db } from "@upsert/db";
import { createTestDatabase, type TestDatabase } from "@upsert/testing";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { purgeExpiredRequests } from "./retention-purge";

let database: TestDatabase;
let db: Db;
let orgId: string;
const day = 86_400_000;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { maxConnections: 2 });
  orgId = (await createOrganization(db.prisma, { name: "Acme" })).org.id;
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

/** `count` intake rows in one statement, finished `ageDays` ago (or unfinished: `status`). */
async function insertRequests(count: number, status: "succeeded" | "failed" | "queued", ageDays: number) {
  await db.prisma.$executeRaw`
    INSERT INTO intake_requests (id, org_id, operation, payload, identity_keys, payload_hash, status, created_at, finished_at)
    SELECT gen_random_uuid(), ${orgId}::uuid, 'contact.upsert', '{}'::jsonb, '{}', 'h', ${status}::job_status,
           now() - make_interval(days => ${ageDays}::int),
           CASE WHEN ${status}::text = 'queued' THEN NULL ELSE now() - make_interval(days => ${ageDays}::int) END
    FROM generate_series(1, ${count}::int)`;
}

const countRows = async () =>
  Number((await db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM intake_requests`)[0]?.n);

beforeEach(async () => {
  await db.prisma.$executeRaw`DELETE FROM intake_requests`;
});

it("deletes a backlog larger than one batch in several bounded statements, keeping rows within retention", async () => {
  await insertRequests(1_700, "succeeded", 30);
  await insertRequests(550, "failed", 9);
  await insertRequests(40, "succeeded", 1); // within retention
  await insertRequests(25, "queued", 30); // unfinished: never purged

  const result = await purgeExpiredRequests(db.pool, {
    finishedBefore: new Date(Date.now() - 7 * day),
    batchSize: 500,
    maxBatches: 10,
    pauseMs: 5,
  });

  // Each batch is its own DELETE (and transaction) of at most 500 rows, oldest first.
  expect(result).toEqual({ purged: 2_250, deletedPerBatch: [500, 500, 500, 500, 250] });
  expect(await countRows()).toBe(65);
  const left = await db.prisma.intakeRequest.groupBy({
    by: ["status"],
    _count: true,
    orderBy: { status: "asc" },
  });
  expect(left.map((g) => [g.status, g._count])).toEqual([
    ["queued", 25],
    ["succeeded", 40],
  ]);
});

it("stops after maxBatches and leaves the rest for the next pass", async () => {
  await insertRequests(1_200, "succeeded", 30);
  const finishedBefore = new Date(Date.now() - 7 * day);
  const options = { finishedBefore, batchSize: 500, maxBatches: 2, pauseMs: 5 };

  expect(await purgeExpiredRequests(db.pool, options)).toEqual({
    purged: 1_000,
    deletedPerBatch: [500, 500],
  });
  expect(await countRows()).toBe(200);
  expect(await purgeExpiredRequests(db.pool, options)).toEqual({ purged: 200, deletedPerBatch: [200] });
  expect(await countRows()).toBe(0);
});
