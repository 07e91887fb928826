import { execFile } from "node:child_process";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { createLogger } from "@upsert/config";
import { createOrganization, setOrganizationRateLimit } from "@upsert/db";
import { createRedis } from "@upsert/queue";
import {
  createTestDatabase,
  type RedisServer,
  startRedisServer,
  type TestDatabase,
  uniqueQueuePrefix,
  waitFor,
} from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/start-test-api";
import { createRateLimits } from "./rate-limit";

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../../../..");
const sharedRedisUrl = "redis://127.0.0.1:6379";

let database: TestDatabase;
let api: TestApi;
let second: TestApi;
const queuePrefix = uniqueQueuePrefix();

beforeAll(async () => {
  database = await createTestDatabase();
  const settings = {
    databaseUrl: database.url,
    redisUrl: sharedRedisUrl,
    queuePrefix,
    keyCacheTtlMs: 500,
    rateLimitPerMinute: 100,
    authFailuresPerMinute: 20,
  };
  api = await startTestApi(settings);
  // A second replica of the same deployment: same database, same Redis, same prefix.
  second = await startTestApi(settings);
});

afterAll(async () => {
  await second?.close();
  await api?.close();
  await database?.drop();
});

type ErrorBody = { error: { code: string; message: string } };

const put = (target: TestApi, key: string, email: string, headers: Record<string, string> = {}) =>
  target.call("PUT", "/v1/contacts", { key, body: { email }, headers });

function rateHeaders(res: { headers: Headers }) {
  return {
    limit: res.headers.get("x-ratelimit-limit"),
    remaining: res.headers.get("x-ratelimit-remaining"),
    reset: Number(res.headers.get("x-ratelimit-reset")),
  };
}

describe("per-organisation limit (100 requests per minute by default)", () => {
  it("tells every authenticated answer the limit, what remains and when a slot frees", async () => {
    const { apiKey } = await createOrganization(api.db.prisma, { name: "Counted" });
    const remaining: string[] = [];
    const firstSentMs = Date.now();
    for (let i = 0; i < 3; i += 1) {
      const res = await put(api, apiKey.secret, `count${i}@acme.com`);
      const answeredMs = Date.now();
      expect(res.status).toBe(202);
      const headers = rateHeaders(res);
      expect(headers.limit).toBe("100");
      // Unix seconds at which the oldest request of the window (the first) leaves it: a minute
      // after the first was counted.
      expect(headers.reset).toBeGreaterThanOrEqual(Math.floor(firstSentMs / 1_000) + 60);
      expect(headers.reset).toBeLessThanOrEqual(Math.ceil(answeredMs / 1_000) + 60);
      remaining.push(headers.remaining ?? "");
    }
    expect(remaining).toEqual(["99", "98", "97"]);

    // Any authenticated answer carries them, an error too (here a 404), and it counts.
    const missing = await api.call("GET", "/v1/jobs/01890a5d-ac96-774b-bcce-b302099a8057", {
      key: apiKey.secret,
    });
    expect(missing.status).toBe(404);
    expect(rateHeaders(missing)).toMatchObject({ limit: "100", remaining: "96" });
    expect(missing.headers.get("retry-after")).toBeNull();
  });

  it("answers the 101st request of a minute 429 rate_limited with Retry-After, recording nothing", async () => {
    const { apiKey } = await createOrganization(api.db.prisma, { name: "Busy" });
    for (let i = 0; i < 100; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, j) => put(api, apiKey.secret, `busy${i + j}@acme.com`)),
      );
      expect(batch.map((res) => res.status)).toEqual(Array(10).fill(202));
    }
    const rows = await api.db.prisma.intakeRequest.count();
    const pending = await api.producer.countPending();

    const refused = await put(api, apiKey.secret, "one-too-many@acme.com");
    expect(refused.status).toBe(429);
    expect((refused.body as ErrorBody).error.code).toBe("rate_limited");
    expect((refused.body as ErrorBody).error.message).toContain("100 requests per minute");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(rateHeaders(refused)).toMatchObject({ limit: "100", remaining: "0" });

    expect(await api.db.prisma.intakeRequest.count()).toBe(rows);
    expect(await api.producer.countPending()).toBe(pending);
    expect(
      await api.db.prisma.intakeRequest.count({
        where: { identityKeys: { has: "email:one-too-many@acme.com" } },
      }),
    ).toBe(0);

    // Another organisation has its own budget.
    const other = await createOrganization(api.db.prisma, { name: "Quiet" });
    expect((await put(api, other.apiKey.secret, "quiet@acme.com")).status).toBe(202);
  });

  it("applies a limit set with `pnpm cli org:set-rate-limit` within the key cache's TTL", async () => {
    const { org, apiKey } = await createOrganization(api.db.prisma, { name: "Reconfigured" });
    expect(rateHeaders(await put(api, apiKey.secret, "r0@acme.com")).limit).toBe("100");

    const cli = await run(
      "pnpm",
      ["cli", "org:set-rate-limit", "--org", org.id, "--per-minute", "3", "--json"],
      {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: database.url },
        timeout: 30_000,
      },
    );
    expect(JSON.parse(cli.stdout)).toEqual({
      org_id: org.id,
      rate_limit_per_minute: 3,
      items_rate_limit_per_minute: null,
    });
    const setAt = Date.now();

    // The running API sees it once its cached entry for the key expires (500 ms here).
    let seen = await put(api, apiKey.secret, "r1@acme.com");
    while (rateHeaders(seen).limit !== "3") {
      expect(Date.now() - setAt).toBeLessThan(500 + 2_000);
      await sleep(100);
      seen = await put(api, apiKey.secret, "r-wait@acme.com");
    }
    // The requests counted under the old limit still count: the window holds at least 2 now.
    let status = seen.status;
    for (let i = 0; i < 3 && status === 202; i += 1)
      status = (await put(api, apiKey.secret, `r${i}x@acme.com`)).status;
    expect(status).toBe(429);
  });

  it("is one limit for all API replicas of a deployment", async () => {
    const { org, apiKey } = await createOrganization(api.db.prisma, { name: "Replicated" });
    await setOrganizationRateLimit(api.db.prisma, org.id, 10);
    const remaining: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const res = await put(i % 2 === 0 ? api : second, apiKey.secret, `rep${i}@acme.com`);
      expect(res.status).toBe(202);
      remaining.push(rateHeaders(res).remaining ?? "");
    }
    expect(remaining).toEqual(["9", "8", "7", "6", "5", "4", "3", "2", "1", "0"]);
    expect((await put(api, apiKey.secret, "rep-a@acme.com")).status).toBe(429);
    expect((await put(second, apiKey.secret, "rep-b@acme.com")).status).toBe(429);
  });

  it("does not limit or label health, readiness and metrics", async () => {
    for (const route of ["/healthz", "/readyz", "/metrics"]) {
      for (let i = 0; i < 25; i += 1) {
        const res = await api.call("GET", route, { headers: { "x-forwarded-for": "198.51.100.99" } });
        expect(res.status, route).toBe(200);
        expect(res.headers.get("x-ratelimit-limit"), route).toBeNull();
      }
    }
  });
});

describe("failed authentications per client address", () => {
  it("answers 429 after 20 failures a minute from one address, before looking at its keys", async () => {
    const from = (address: string) => ({ "x-forwarded-for": address });
    const guess = (address: string) =>
      put(api, `mks_${"A".repeat(47)}${Math.floor(Math.random() * 10)}`, "guess@acme.com", from(address));
    for (let i = 0; i < 20; i += 1) {
      const res = await guess("203.0.113.7");
      expect(res.status).toBe(401);
      expect(res.headers.get("x-ratelimit-limit")).toBeNull();
    }
    const blocked = await guess("203.0.113.7");
    expect(blocked.status).toBe(429);
    expect((blocked.body as ErrorBody).error.code).toBe("rate_limited");
    const retryAfter = Number(blocked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Without a key too, and even a real key from that address: a right guess would look the same.
    expect((await api.call("GET", "/v1/tags", { headers: from("203.0.113.7") })).status).toBe(429);
    const { apiKey } = await createOrganization(api.db.prisma, { name: "Unlucky neighbour" });
    expect((await put(api, apiKey.secret, "n@acme.com", from("203.0.113.7"))).status).toBe(429);

    // Other addresses are not affected, on either replica (the count is shared).
    expect((await guess("203.0.113.8")).status).toBe(401);
    expect((await put(second, apiKey.secret, "n@acme.com", from("203.0.113.8"))).status).toBe(202);
    expect((await second.call("GET", "/v1/tags", { headers: from("203.0.113.7") })).status).toBe(429);
  });
});

describe("while Redis is down", () => {
  let redis: RedisServer;
  let isolated: TestApi;

  beforeAll(async () => {
    redis = await startRedisServer();
    isolated = await startTestApi({
      databaseUrl: database.url,
      redisUrl: redis.url,
      queuePrefix: uniqueQueuePrefix(),
      rateLimitPerMinute: 100,
      authFailuresPerMinute: 20,
    });
  });

  afterAll(async () => {
    await isolated?.close();
    await redis?.stop();
  });

  it("keeps accepting (202, durable in Postgres) and limits per process in memory", async () => {
    const { org, apiKey } = await createOrganization(isolated.db.prisma, { name: "Outage" });
    await setOrganizationRateLimit(isolated.db.prisma, org.id, 5);
    const first = await put(isolated, apiKey.secret, "before@acme.com");
    expect(first.status).toBe(202);
    expect(rateHeaders(first)).toMatchObject({ limit: "5", remaining: "4" });

    await redis.stop();
    await waitFor(() => isolated.redis.status !== "ready", {
      timeoutMs: 5_000,
      intervalMs: 20,
      message: "the API never noticed Redis stopped",
    });
    const rowsBefore = await isolated.db.prisma.intakeRequest.count({ where: { orgId: org.id } });
    const statuses: number[] = [];
    const remaining: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const res = await put(isolated, apiKey.secret, `during${i}@acme.com`);
      statuses.push(res.status);
      remaining.push(rateHeaders(res).remaining ?? "");
    }
    // The in-memory count starts afresh: five accepted, then this process's own limit applies.
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    expect(remaining).toEqual(["4", "3", "2", "1", "0", "0"]);
    expect(await isolated.db.prisma.intakeRequest.count({ where: { orgId: org.id } })).toBe(rowsBefore + 5);

    // Failed authentications are still limited per address, in memory.
    const bad = `mks_${"B".repeat(48)}`;
    const failures: number[] = [];
    for (let i = 0; i < 21; i += 1) {
      failures.push((await put(isolated, bad, "x@acme.com", { "x-forwarded-for": "192.0.2.1" })).status);
    }
    expect(failures).toEqual([...Array(20).fill(401), 429]);
  });
});

describe("while Redis hangs", () => {
  let redis: RedisServer;
  let isolated: TestApi;

  beforeAll(async () => {
    redis = await startRedisServer();
    isolated = await startTestApi({
      databaseUrl: database.url,
      redisUrl: redis.url,
      queuePrefix: uniqueQueuePrefix(),
      rateLimitPerMinute: 100,
    });
  });

  afterAll(async () => {
    process.kill(redis.pid, "SIGCONT");
    await isolated?.close();
    await redis?.stop();
  });

  it("counts in memory after the Redis timeout instead of holding the request", async () => {
    const { apiKey } = await createOrganization(isolated.db.prisma, { name: "Stalled" });
    expect((await isolated.call("GET", "/v1/tags", { key: apiKey.secret })).status).toBe(200);
    // A stopped (not dead) Redis: the connection stays open and commands get no answer.
    process.kill(redis.pid, "SIGSTOP");
    const started = Date.now();
    const res = await isolated.call("GET", "/v1/tags", { key: apiKey.secret });
    const tookMs = Date.now() - started;
    expect(res.status).toBe(200);
    expect(rateHeaders(res)).toMatchObject({ limit: "100", remaining: "99" }); // a fresh in-memory count
    expect(tookMs).toBeLessThan(250 + 1_500);
    process.kill(redis.pid, "SIGCONT");
  });
});

describe("the window slides", () => {
  it("frees each request's slot a window after that request, not all at a window boundary", async () => {
    const redis = createRedis(sharedRedisUrl, "producer");
    const prefix = uniqueQueuePrefix();
    try {
      // Until the connection is ready the insurance limiter would count, in memory.
      await waitFor(() => redis.status === "ready", {
        timeoutMs: 5_000,
        intervalMs: 20,
        message: "redis did not connect",
      });
      const limits = createRateLimits({
        redis,
        prefix,
        logger: createLogger({ name: "rate-limit-test", level: "silent" }),
        defaultPerMinute: 3,
        authFailuresPerMinute: 3,
        windowS: 2,
      });
      expect((await limits.takeOrgRequest("org", 3)).allowed).toBe(true); // t = 0
      await sleep(1_000);
      expect((await limits.takeOrgRequest("org", 3)).allowed).toBe(true); // t = 1 s
      expect((await limits.takeOrgRequest("org", 3)).remaining).toBe(0);
      const full = await limits.takeOrgRequest("org", 3);
      expect(full.allowed).toBe(false);
      // The slot of the request at t = 0 frees at t = 2 s: about a second from now.
      expect(full.msBeforeNext).toBeGreaterThan(600);
      expect(full.msBeforeNext).toBeLessThanOrEqual(1_050);

      await sleep(full.msBeforeNext + 100); // t ≈ 2.1 s
      // One slot is free again; the two requests made at t = 1 s still count until t = 3 s
      // (a fixed two-second window would have started afresh here with three slots).
      const freed = await limits.takeOrgRequest("org", 3);
      expect(freed).toMatchObject({ allowed: true, remaining: 0 });
      expect((await limits.takeOrgRequest("org", 3)).allowed).toBe(false);
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });
});
