import { createDb, createOrganization, type Db } from "@upsert/db";
import {
  announceRequestWritten,
  closeRedis,
  createRedis,
  createRequestWrittenListener,
  queueNames,
  type Redis,
} from "@upsert/queue";
import {
  type AppProcess,
  createTestDatabase,
  findFreePort,
  type RedisCluster,
  startAppProcess,
  startRedisCluster,
  type TestDatabase,
  uniqueQueuePrefix,
  waitFor,
} from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Issue 13: the service on a real 3-master Redis Cluster. The API and a worker run as production
// runs them, with REDIS_CLUSTER_NODES and a `{hash tag}` prefix; REDIS_URL names a port nothing
// listens on, so every connection has to go through the cluster client.
let cluster: RedisCluster;
let database: TestDatabase;
let db: Db;
let api: AppProcess;
let worker: AppProcess;
let apiUrl: string;
let key: string;
const prefix = uniqueQueuePrefix({ hashTag: true });

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  database = await createTestDatabase();
  db = createDb(database.url, { maxConnections: 3 });
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: `redis://127.0.0.1:${await findFreePort()}`,
    REDIS_CLUSTER_NODES: cluster.nodesEnv,
    QUEUE_PREFIX: prefix,
  };
  api = startAppProcess("api", { ...env, PORT: "0", HOST: "127.0.0.1", RATE_LIMIT_PER_MINUTE: "1000" });
  worker = startAppProcess("worker", {
    ...env,
    METRICS_PORT: "0",
    ENRICHMENT_LATENCY_MS: "100",
    // Every Redis-backed feature switched on, so each of its keys is used on the cluster.
    ENRICHMENT_RATE_LIMIT: "1000",
    ENRICHMENT_ORG_BUDGET: "1000",
    ENRICHMENT_CACHE_TTL_S: "3600",
    WORKER_CONCURRENCY: "10",
  });
  const port = await waitFor(() => /"port":(\d+)[^\n]*api listening/.exec(api.output())?.[1], {
    timeoutMs: 30_000,
    intervalMs: 100,
    message: "api did not start",
  });
  apiUrl = `http://127.0.0.1:${port}`;
  await waitFor(() => worker.output().includes("worker started"), {
    timeoutMs: 30_000,
    intervalMs: 100,
    message: "worker did not start",
  });
  key = (await createOrganization(db.prisma, { name: "Cluster" })).apiKey.secret;
}, 90_000);

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await db?.close();
  await database?.drop();
  await cluster?.stop();
});

async function call(method: string, path: string, options: { body?: unknown; prefer?: string } = {}) {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      ...(options.prefer ? { prefer: options.prefer } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: JSON.parse((await res.text()) || "{}") as { data?: Record<string, unknown> },
  };
}

/** Every key on the cluster's masters under this test's prefix, with the node holding it. */
const keysOnCluster = () => cluster.scanKeys(`${prefix}:*`);

describe("on a 3-master Redis Cluster", () => {
  let contactId = "";
  let jobId = "";

  it("answers PUT with Prefer: wait 200 and rate-limit headers, enriches, and GET /v1/jobs shows the job", async () => {
    const res = await call("PUT", "/v1/contacts", {
      prefer: "wait=20",
      body: { email: "Grace.Hopper@Navy.mil", first_name: "Grace" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get("x-ratelimit-limit")).toBe("1000");
    expect(Number(res.headers.get("x-ratelimit-remaining"))).toBeLessThan(1000);
    expect(res.headers.get("x-ratelimit-reset")).toMatch(/^\d+$/);
    expect(res.body.data).toMatchObject({ email: "Grace.Hopper@Navy.mil", first_name: "Grace" });
    contactId = String(res.body.data?.id);
    jobId = res.headers.get("job-id") ?? "";

    await waitFor(
      async () => {
        const row = await db.prisma.intakeRequest.findUniqueOrThrow({ where: { id: jobId } });
        return row.enrichedAt !== null && row.enrichmentDueAt === null;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: "the enrichment did not run" },
    );
    const job = await call("GET", `/v1/jobs/${jobId}`);
    expect(job.status).toBe(200);
    expect(job.body.data).toMatchObject({
      status: "succeeded",
      result: { action: "created", contact_id: contactId, enrichment: "applied" },
    });
    const contact = await db.prisma.contact.findUniqueOrThrow({ where: { id: contactId } });
    expect(contact.enrichmentStatus).toBe("applied");
    expect(contact.lastName).toBe("Hopper"); // filled by the provider, through the cluster's quotas
  });

  it("keeps every key it wrote in the prefix's hash-tag slot: queues, rate limits, quotas, answer cache", async () => {
    const keys = await keysOnCluster();
    const names = keys.map((k) => k.key);
    for (const part of [
      `:${queueNames.upsertContact}:`,
      `:${queueNames.enrichContact}:`,
      ":rate-limit:org:",
      ":enrichment-rate:",
      ":enrichment-budget:",
      ":enrichment-cache:",
    ])
      expect(
        names.some((name) => name.includes(part)),
        `no ${part} key in ${names.join(", ")}`,
      ).toBe(true);
    expect(new Set(keys.map((k) => k.node)).size).toBe(1);
    const slots = new Set(await Promise.all(names.map((name) => cluster.keySlot(name))));
    expect([...slots]).toEqual([await cluster.keySlot(prefix)]);
  });

  it("erases the contact and purges its cached answers (a multi-key transaction) on the cluster", async () => {
    const cacheKeys = async () =>
      (await keysOnCluster()).filter(
        (k) => k.key.includes(":enrichment-cache:") && !k.key.includes(":company:"),
      );
    expect((await cacheKeys()).length).toBeGreaterThan(0);
    const res = await call("DELETE", `/v1/contacts/${contactId}`, { prefer: "wait=20" });
    expect(res.status, JSON.stringify(res.body)).toBe(204);
    const job = await call("GET", `/v1/jobs/${res.headers.get("job-id")}`);
    expect(job.body.data).toMatchObject({ status: "succeeded" });
    expect(await cacheKeys()).toEqual([]);
  });

  it("delivers write announcements published on any master to the API's cluster subscriber", async () => {
    const subscriber = createRedis({ url: "redis://unused", clusterNodes: cluster.nodes }, "subscriber");
    const listener = createRequestWrittenListener({ subscriber, prefix });
    // A plain connection to each master: an announcement may be published on any of them.
    const publishers: Redis[] = cluster.nodes.map((node) =>
      createRedis(`redis://${node.host}:${node.port}`, "worker"),
    );
    try {
      const outcomes = await Promise.all(
        publishers.map(async (publisher, index) => {
          const waiter = listener.wait(`request-${index}`, { timeoutMs: 10_000 });
          // Until the subscription is in place an announcement is lost: repeat until it arrives.
          const repeat = setInterval(
            () => announceRequestWritten(publisher, prefix, `request-${index}`).catch(() => undefined),
            100,
          );
          try {
            return await waiter.settled;
          } finally {
            clearInterval(repeat);
          }
        }),
      );
      expect(outcomes).toEqual(["written", "written", "written"]);
    } finally {
      await listener.close();
      await Promise.all([...publishers, subscriber].map(closeRedis));
    }
  });
});
