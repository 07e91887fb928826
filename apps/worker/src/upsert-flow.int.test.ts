import { createDb, createOrganization, type Db } from "@upsert/db";
import {
  type AppProcess,
  createTestDatabase,
  type RedisServer,
  startAppProcess,
  startRedisServer,
  type TestDatabase,
  uniqueQueuePrefix,
  waitFor,
} from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// End to end with real processes: the API and a worker, as production runs them, on this test's
// own database, its own Redis server (so the outage test can stop it) and its own queue prefix.
let database: TestDatabase;
let redis: RedisServer;
let db: Db;
let api: AppProcess;
let worker: AppProcess;
let apiUrl: string;
let key: string;

const commonEnv = () => ({
  DATABASE_URL: database.url,
  REDIS_URL: redis.url,
  QUEUE_PREFIX: uniqueQueuePrefix(),
});

beforeAll(async () => {
  database = await createTestDatabase();
  redis = await startRedisServer({ appendonly: false });
  db = createDb(database.url, { maxConnections: 3 });
  const env = commonEnv();
  api = startAppProcess("api", { ...env, PORT: "0", HOST: "127.0.0.1" });
  worker = startAppProcess("worker", {
    ...env,
    ENRICHMENT_LATENCY_MS: "300",
    DISPATCH_INTERVAL_MS: "500",
    DISPATCH_MIN_AGE_MS: "200",
    WORKER_CONCURRENCY: "10",
  });
  const port = await waitFor(() => /"port":(\d+)[^\n]*api listening/.exec(api.output())?.[1], {
    timeoutMs: 20_000,
    intervalMs: 100,
    message: "api did not start",
  });
  apiUrl = `http://127.0.0.1:${port}`;
  await waitFor(() => worker.output().includes("worker started"), {
    timeoutMs: 20_000,
    intervalMs: 100,
    message: "worker did not start",
  });
  key = (await createOrganization(db.prisma, { name: "E2E" })).apiKey.secret;
}, 60_000);

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await db?.close();
  await redis?.stop();
  await database?.drop();
});

async function put(body: unknown) {
  const res = await fetch(`${apiUrl}/v1/contacts`, {
    method: "PUT",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { data: { job_id: string } } };
}

type Job = { status: string; stage: string | null; result: Record<string, unknown> | null; error: unknown };

async function job(id: string): Promise<Job> {
  const res = await fetch(`${apiUrl}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${key}` } });
  return ((await res.json()) as { data: Job }).data;
}

/** The job once it has succeeded or failed and its enrichment job, if it had one, has finished. */
async function finished(id: string): Promise<Job> {
  await waitFor(
    async () => {
      const row = await db.prisma.intakeRequest.findUniqueOrThrow({ where: { id } });
      return (row.status === "succeeded" || row.status === "failed") && !row.enrichmentDueAt;
    },
    { timeoutMs: 20_000, intervalMs: 100, message: `job ${id} did not finish` },
  );
  return job(id);
}

describe("an upsert, end to end", () => {
  it("creates the contact and its account, then enriches only the fields the caller left empty", async () => {
    const accepted = await put({ email: "Jane.Doe@Globex.com", first_name: "Janet" });
    expect(accepted.status).toBe(202);
    const done = await finished(accepted.body.data.job_id);
    expect(done.status).toBe("succeeded");
    expect(done.result).toMatchObject({
      action: "created",
      matched_by: null,
      account_resolution: "email_domain",
      account_created: true,
      enrichment: "applied",
      contact: { email: "Jane.Doe@Globex.com", first_name: "Janet" },
    });
    const contact = await db.prisma.contact.findFirstOrThrow({
      where: { emailNormalized: "jane.doe@globex.com" },
    });
    expect(contact.firstName).toBe("Janet"); // the caller's value, not the provider's "Jane"
    expect(contact.lastName).toBe("Doe"); // filled by enrichment
    expect(contact.title).not.toBeNull();
    expect(contact.enrichmentStatus).toBe("applied");
    expect(contact.enrichedFields).not.toContain("first_name");
    const account = await db.prisma.account.findUniqueOrThrow({ where: { id: contact.accountId as string } });
    expect(account).toMatchObject({ domain: "globex.com", name: "Globex", enrichmentStatus: "applied" });
  });

  it("updates in place when the email matches case-insensitively, without enrichment", async () => {
    const first = await finished(
      (await put({ email: "sam@initech.com", title: "Engineer" })).body.data.job_id,
    );
    const second = await finished(
      (await put({ email: "SAM@initech.com", title: null, location: "Austin, TX" })).body.data.job_id,
    );
    expect(second.result).toMatchObject({
      action: "updated",
      matched_by: "email",
      contact_id: first.result?.contact_id,
      account_resolution: "existing",
      account_created: false,
      enrichment: "skipped",
    });
    const contact = await db.prisma.contact.findUniqueOrThrow({
      where: { id: first.result?.contact_id as string },
    });
    expect(contact.title).toBeNull(); // explicit null clears, and enrichment never refills it
    expect(contact.location).toBe("Austin, TX");
    expect(await db.prisma.contact.count({ where: { emailNormalized: "sam@initech.com" } })).toBe(1);
  });

  it("fails with conflict when email and LinkedIn URL name two different contacts, writing nothing", async () => {
    await finished((await put({ email: "a@umbrella.com" })).body.data.job_id);
    await finished(
      (await put({ linkedin_url: "https://linkedin.com/in/bee", domain: "umbrella.com" })).body.data.job_id,
    );
    const before = await db.prisma.contact.findMany({ orderBy: { id: "asc" } });
    const res = await finished(
      (await put({ email: "a@umbrella.com", linkedin_url: "https://www.linkedin.com/in/Bee/", title: "X" }))
        .body.data.job_id,
    );
    expect(res.status).toBe("failed");
    expect(res.error).toMatchObject({ code: "conflict" });
    expect(await db.prisma.contact.findMany({ orderBy: { id: "asc" } })).toEqual(before);
  });
});

describe("a Redis outage", () => {
  it("still answers 202, and the dispatcher enqueues the request once Redis is back", async () => {
    await redis.kill();
    const accepted = await put({ email: "outage@hooli.com" });
    expect(accepted.status).toBe(202);
    expect((await job(accepted.body.data.job_id)).status).toBe("queued");
    await redis.restart();
    const done = await finished(accepted.body.data.job_id);
    expect(done.status).toBe("succeeded");
    expect(worker.output()).toContain("re-enqueued accepted requests");
  });
});
