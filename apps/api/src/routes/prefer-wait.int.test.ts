import { randomUUID } from "node:crypto";
import { get } from "node:http";
import { createDb, createOrganization, type Db } from "@upsert/db";
import { createRedis, type Redis, requestWrittenChannel } from "@upsert/queue";
import {
  type AppProcess,
  createTestDatabase,
  startAppProcess,
  type TestDatabase,
  uniqueQueuePrefix,
  waitFor,
} from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/start-test-api";

// `Prefer: wait=N` on the real stack: the API and a worker as production runs them (own
// processes), on this file's own database and queue prefix on the machine's Redis.
const redisUrl = "redis://127.0.0.1:6379";
const apiPoolSize = 4;
let database: TestDatabase;
let db: Db;
let redis: Redis;
let api: AppProcess;
let worker: AppProcess;
let apiUrl: string;
let metricsUrl: string;
let key: string;
let queuePrefix: string;

const workerEnv = () => ({
  DATABASE_URL: database.url,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: queuePrefix,
  // Slow enough that an answer is built while the contact's enrichment is still pending.
  ENRICHMENT_LATENCY_MS: "3000",
  DISPATCH_INTERVAL_MS: "500",
  DISPATCH_MIN_AGE_MS: "200",
});

async function startWorker(): Promise<AppProcess> {
  const started = startAppProcess("worker", workerEnv());
  await waitFor(() => started.output().includes("worker started"), {
    timeoutMs: 30_000,
    intervalMs: 100,
    message: "worker did not start",
  });
  return started;
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { maxConnections: 2 });
  redis = createRedis(redisUrl, "producer");
  queuePrefix = uniqueQueuePrefix();
  api = startAppProcess("api", {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_POOL_SIZE: String(apiPoolSize),
    PREFER_WAIT_MAX_S: "90",
  });
  const loggedPort = (message: string) =>
    waitFor(() => new RegExp(`"port":(\\d+)[^\\n]*"msg":"${message}"`).exec(api.output())?.[1], {
      timeoutMs: 30_000,
      intervalMs: 100,
      message: "api did not start",
    });
  apiUrl = `http://127.0.0.1:${await loggedPort("api listening")}`;
  metricsUrl = `http://127.0.0.1:${await loggedPort("metrics listening")}`;
  worker = await startWorker();
  key = (await createOrganization(db.prisma, { name: "Waiters" })).apiKey.secret;
  // A fresh worker's first job is slow on a loaded machine (connections, code loaded on first use):
  // take it here, so the 10 s below measure the service rather than its start-up.
  const warmUp = await call("PUT", "/v1/contacts", {
    prefer: "wait=60",
    body: { email: "warm@example.com" },
  });
  expect(warmUp.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  redis?.disconnect();
  await db?.close();
  await database?.drop();
});

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown>; error?: { code: string; message: string; details?: unknown } };
  ms: number;
}

async function call(
  method: string,
  path: string,
  options: { body?: unknown; prefer?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.prefer) headers.prefer = options.prefer;
  const started = performance.now();
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body = (await res.json()) as Answer["body"];
  return { status: res.status, headers: res.headers, body, ms: performance.now() - started };
}

/** The API's gauge of waiting requests, on a connection of its own (the pool's are all busy). */
async function waitingRequests(): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    get(`${metricsUrl}/metrics`, { agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
  return Number(/^upsert_http_waiting_requests (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What a later read shows of the same record, except what enrichment changes meanwhile. */
const withoutEnrichment = ({ enrichment: _e, updated_at: _u, ...rest }: Record<string, unknown>) => rest;

describe("with a worker running", () => {
  it("creates with Monaco's 200 body, Preference-Applied and Job-Id; enrichment still pending", async () => {
    const res = await call("PUT", "/v1/contacts", {
      prefer: "wait=10",
      body: { email: "Ada@Lovelace.dev", first_name: "Ada", title: "Analyst" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("wait=10");
    const jobId = res.headers.get("job-id");
    expect(jobId).toMatch(uuidPattern);
    const data = res.body.data ?? {};
    expect(data).toMatchObject({
      email: "Ada@Lovelace.dev",
      first_name: "Ada",
      title: "Analyst",
      source: "api",
      enrichment: { status: "pending" },
    });
    expect(data.id).toMatch(uuidPattern);
    expect(res.body).toHaveProperty("meta.timestamp");

    // The same body GET /v1/contacts/:id shows, and the job it names is this write.
    const read = await call("GET", `/v1/contacts/${String(data.id)}`);
    expect(withoutEnrichment(read.body.data ?? {})).toEqual(withoutEnrichment(data));
    const job = await call("GET", `/v1/jobs/${jobId}`);
    expect(job.body.data).toMatchObject({
      status: "succeeded",
      result: { action: "created", contact_id: data.id },
    });
  });

  it("updates with 200 and the contact as the write left it", async () => {
    const created = await call("PUT", "/v1/contacts", {
      prefer: "wait=10",
      body: { email: "grace@navy.mil" },
    });
    expect(created.status).toBe(200);
    const updated = await call("PUT", "/v1/contacts", {
      prefer: "wait=10",
      body: { email: "grace@navy.mil", title: "Rear Admiral" },
    });
    expect(updated.status).toBe(200);
    expect(updated.headers.get("job-id")).not.toBe(created.headers.get("job-id"));
    expect(updated.body.data).toMatchObject({
      id: created.body.data?.id,
      title: "Rear Admiral",
      created_at: created.body.data?.created_at,
    });
  });

  it("answers a failed write with the job's error: 404 for an unknown tag id, 409 for two contacts", async () => {
    const unknownTag = randomUUID();
    const missing = await call("PUT", "/v1/contacts", {
      prefer: "wait=10",
      body: { email: "tagged@example.com", tags: [unknownTag] },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe("not_found");
    expect(JSON.stringify(missing.body.error?.details)).toContain(unknownTag);
    const failedJob = missing.headers.get("job-id");
    expect(failedJob).toMatch(uuidPattern);
    const job = await call("GET", `/v1/jobs/${failedJob}`);
    expect(job.body.data).toMatchObject({ status: "failed", error: { code: "not_found" } });

    await call("PUT", "/v1/contacts", { prefer: "wait=10", body: { email: "one@example.com" } });
    await call("PUT", "/v1/contacts", {
      prefer: "wait=10",
      body: { linkedin_url: "https://www.linkedin.com/in/two", domain: "example.com" },
    });
    const conflict = await call("PUT", "/v1/contacts", {
      prefer: "wait=10",
      body: { email: "one@example.com", linkedin_url: "https://www.linkedin.com/in/two" },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error?.code).toBe("conflict");
    expect(conflict.headers.get("job-id")).toMatch(uuidPattern);
  });

  it("answers 422 when a custom field value has the wrong type", async () => {
    const field = await call("POST", "/v1/custom-fields", {
      body: { entity: "contacts", name: "Score", type: "number" },
    });
    expect(field.status).toBe(201);
    const res = await call("PUT", "/v1/contacts", {
      prefer: "wait=10",
      body: { email: "typed@example.com", [`custom_field_${String(field.body.data?.id)}`]: "high" },
    });
    expect(res.status).toBe(422);
    expect(res.body.error?.code).toBe("unprocessable_entity");
    expect(res.headers.get("job-id")).toMatch(uuidPattern);
  });

  it("replays a finished request with the same answer and Idempotent-Replayed", async () => {
    const send = () =>
      call("PUT", "/v1/contacts", {
        prefer: "wait=10",
        body: { email: "replay@example.com", idempotency_key: "replay-1" },
      });
    const first = await send();
    const again = await send();
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("job-id")).toBe(first.headers.get("job-id"));
    expect(again.body.data?.id).toBe(first.body.data?.id);
  });

  it("keeps the 202 for respond-async, even with a wait", async () => {
    const res = await call("PUT", "/v1/contacts", {
      prefer: "respond-async, wait=10",
      body: { email: "later@example.com" },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get("preference-applied")).toBe("respond-async");
    expect(res.body.data).toMatchObject({ status: "queued" });
    expect(res.headers.get("job-id")).toBe(res.body.data?.job_id);
  });

  it("upserts an account with Monaco's account body", async () => {
    const res = await call("PUT", "/v1/accounts", { prefer: "wait=10", body: { domain: "initech.com" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("wait=10");
    expect(res.headers.get("job-id")).toMatch(uuidPattern);
    const data = res.body.data ?? {};
    expect(data).toMatchObject({ company: { domain: "initech.com" }, enrichment: { status: "pending" } });
    const read = await call("GET", `/v1/accounts/${String(data.id)}`);
    expect(withoutEnrichment(read.body.data ?? {})).toEqual(withoutEnrichment(data));
  });

  it("re-enriches with the contact back, its enrichment pending", async () => {
    const created = await call("PUT", "/v1/contacts", {
      prefer: "wait=10",
      body: { email: "again@example.com" },
    });
    const id = String(created.body.data?.id);
    // Wait out the first enrichment, so the 200 below shows the re-enrichment's pending.
    const enrichmentStatus = async () => {
      const contact = (await call("GET", `/v1/contacts/${id}`)).body.data;
      return (contact?.enrichment as { status: string } | undefined)?.status;
    };
    await waitFor(async () => (await enrichmentStatus()) !== "pending", {
      timeoutMs: 20_000,
      intervalMs: 200,
      message: "first enrichment did not finish",
    });
    const res = await call("POST", `/v1/contacts/${id}/enrich`, { prefer: "wait=10" });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id,
      email: "again@example.com",
      enrichment: { status: "pending" },
    });
  });

  it("long-polls GET /v1/jobs/:id until the write has finished", async () => {
    const accepted = await call("PUT", "/v1/contacts", { body: { email: "poll@example.com" } });
    expect(accepted.status).toBe(202);
    const res = await call("GET", `/v1/jobs/${String(accepted.body.data?.job_id)}`, { prefer: "wait=10" });
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("wait=10");
    expect(res.body.data).toMatchObject({ status: "succeeded", result: { action: "created" } });
  });
});

describe("with the workers stopped", () => {
  beforeAll(async () => {
    await worker.stop();
  }, 30_000);

  it("answers 202 after about N seconds", async () => {
    const res = await call("PUT", "/v1/contacts", {
      prefer: "wait=2",
      body: { email: "nobody@example.com" },
    });
    expect(res.status).toBe(202);
    expect(res.ms).toBeGreaterThanOrEqual(1_900);
    expect(res.ms).toBeLessThan(6_000);
    expect(res.headers.get("preference-applied")).toBeNull();
    expect(res.body.data).toMatchObject({ status: "queued" });

    const job = await call("GET", `/v1/jobs/${String(res.body.data?.job_id)}`, { prefer: "wait=1" });
    expect(job.status).toBe(200);
    expect(job.ms).toBeGreaterThanOrEqual(900);
    expect(job.body.data).toMatchObject({ status: "queued" });
  });

  it("ignores a wait it cannot read", async () => {
    const unreadable = await call("PUT", "/v1/contacts", {
      prefer: "wait=soon",
      body: { email: "x@example.com" },
    });
    expect(unreadable.status).toBe(202);
    expect(unreadable.ms).toBeLessThan(5_000);
  });

  it("holds 1,000 waiting requests on one Redis subscription, without Postgres while they wait; a worker then answers them all", async () => {
    const count = 1_000;
    const answers = Array.from({ length: count }, (_, i) =>
      call("PUT", "/v1/contacts", { prefer: "wait=80", body: { email: `waiter${i}@example.com` } }),
    );
    let answered = 0;
    for (const answer of answers) answer.then(() => (answered += 1)).catch(() => undefined);
    // All recorded and waiting, by the API's own gauge.
    // Generous deadlines: on a shared 2-core machine recording 1,000 requests took 20 s.
    await waitFor(async () => (await waitingRequests()) === count, {
      timeoutMs: 45_000,
      intervalMs: 100,
      message: "the requests did not all start waiting",
    });

    const [, subscribers] = (await redis.pubsub("NUMSUB", requestWrittenChannel(queuePrefix))) as [
      string,
      number,
    ];
    expect(subscribers).toBe(1);
    // For two seconds of their wait, the API's connections are never more than its pool and never
    // busy: waiting requests neither hold a connection nor poll.
    const samples: { connections: number; busy: number }[] = [];
    for (let i = 0; i < 20; i += 1) {
      const { rows } = await db.pool.query<{ connections: number; busy: number }>(
        `SELECT count(*)::int AS connections, (count(*) FILTER (WHERE state <> 'idle'))::int AS busy
           FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      if (rows[0]) samples.push(rows[0]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(Math.max(...samples.map((s) => s.connections))).toBeLessThanOrEqual(apiPoolSize + 1);
    expect(samples.filter((s) => s.busy > 0)).toEqual([]);
    expect(answered).toBe(0);
    expect(await waitingRequests()).toBe(count);

    // The writes' announcements reach every one of them through that one subscription.
    worker = await startWorker();
    const results = await Promise.all(answers);
    expect(results.map((r) => r.status)).toEqual(Array(count).fill(200));
    expect(new Set(results.map((r) => r.body.data?.email)).size).toBe(count);
    expect(await waitingRequests()).toBe(0);
  }, 180_000);
});

describe("in the API process, without workers", () => {
  let inProcess: TestApi;

  beforeAll(async () => {
    // The worker restarted above would write these requests too (its dispatcher reads the shared
    // database), and a waiter that reads the row at its deadline would then rightly answer 200.
    await worker.stop();
    inProcess = await startTestApi({
      databaseUrl: database.url,
      redisUrl,
      queuePrefix: uniqueQueuePrefix(),
      preferWaitMaxS: 1,
    });
  }, 30_000);
  afterAll(async () => {
    await inProcess?.close();
  });

  it("leaves no waiter behind", async () => {
    const controller = new AbortController();
    const pending = fetch(`${inProcess.url}/v1/contacts`, {
      method: "PUT",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", prefer: "wait=20" },
      body: JSON.stringify({ email: "gone@example.com" }),
      signal: controller.signal,
    }).catch((err: unknown) => err);
    await waitFor(() => inProcess.written.waiting() === 1, { message: "the request did not start waiting" });
    controller.abort();
    await pending;
    await waitFor(() => inProcess.written.waiting() === 0, { message: "the waiter was not removed" });
  });

  it("waits no longer than PREFER_WAIT_MAX_S", async () => {
    const started = performance.now();
    const res = await inProcess.call("PUT", "/v1/contacts", {
      key,
      headers: { prefer: "wait=30" },
      body: { email: "capped@example.com" },
    });
    const ms = performance.now() - started;
    expect(res.status).toBe(202);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(10_000);
  });
});
