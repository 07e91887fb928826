import { createLogger } from "@upsert/config";
import { createOrganization, revokeApiKey } from "@upsert/db";
import { generateApiKeySecret } from "@upsert/domain";
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix, waitFor } from "@upsert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/start-test-api";
import { createApiKeyAuthenticator } from "./authenticate";

let database: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await startTestApi({
    databaseUrl: database.url,
    redisUrl: "redis://127.0.0.1:6379",
    queuePrefix: uniqueQueuePrefix(),
    keyCacheTtlMs: 500,
  });
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
});

it("a revoked key is refused once the cache entry expires (within the TTL)", async () => {
  const { apiKey } = await createOrganization(api.db.prisma, { name: "Revokers" });
  const put = () => api.call("PUT", "/v1/contacts", { key: apiKey.secret, body: { email: "r@acme.com" } });
  expect((await put()).status).toBe(202);
  const revokedAt = Date.now();
  await revokeApiKey(api.db.prisma, apiKey.id);
  await waitFor(async () => (await put()).status === 401, {
    timeoutMs: 5_000,
    intervalMs: 100,
    message: "revoked key still accepted",
  });
  expect(Date.now() - revokedAt).toBeLessThan(500 + 1_000);
  const res = await put();
  expect(res.body).toMatchObject({ error: { code: "unauthorized" } });
});

it("records when a key was last used", async () => {
  const { apiKey } = await createOrganization(api.db.prisma, { name: "Users" });
  await api.call("PUT", "/v1/contacts", { key: apiKey.secret, body: { email: "u@acme.com" } });
  await waitFor(
    async () =>
      (await api.db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt !== null,
    { timeoutMs: 5_000, intervalMs: 50, message: "last_used_at not set" },
  );
});

it("answers 503 service_unavailable, and accepts nothing, while Postgres refuses connections", async () => {
  const { apiKey } = await createOrganization(api.db.prisma, { name: "Outage" });
  const put = () => api.call("PUT", "/v1/contacts", { key: apiKey.secret, body: { email: "o@acme.com" } });
  expect((await put()).status).toBe(202); // warms the key cache
  const before = await api.db.prisma.intakeRequest.count();
  // Only this test's own database is closed to new connections; the server is untouched.
  await database.admin(`ALTER DATABASE "${database.name}" ALLOW_CONNECTIONS false`);
  await database.admin(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database.name}'`,
  );
  try {
    const res = await put();
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: { code: "service_unavailable" } });
    expect(res.text).not.toMatch(/ECONN|prisma|stack/i);
  } finally {
    await database.admin(`ALTER DATABASE "${database.name}" ALLOW_CONNECTIONS true`);
  }
  await waitFor(async () => (await put()).status === 202, {
    timeoutMs: 10_000,
    intervalMs: 200,
    message: "no recovery",
  });
  expect(await api.db.prisma.intakeRequest.count()).toBe(before + 1);
});

// The probes below use what the database says while an entry is cached: a key revoked after it
// was cached still authenticates, and a key restored after its miss was cached still does not.
// Either way the answer came from the cache, not from a lookup.
const restore = (keyId: string) =>
  api.db.prisma.apiKey.update({ where: { id: keyId }, data: { revokedAt: null } });

it("a flood of distinct random keys evicts no real key and holds only a bounded number of misses", async () => {
  const authenticator = createApiKeyAuthenticator({
    prisma: api.db.prisma,
    ttlMs: 60_000,
    logger: createLogger({ name: "auth-test", level: "silent" }),
    maxKnownKeys: 50,
    maxUnknownKeys: 50,
  });
  const real = await createOrganization(api.db.prisma, { name: "Real" });
  expect(await authenticator.authenticate(real.apiKey.secret)).toMatchObject({ orgId: real.org.id });
  const first = await createOrganization(api.db.prisma, { name: "First miss" });
  await revokeApiKey(api.db.prisma, first.apiKey.id);
  expect(await authenticator.authenticate(first.apiKey.secret)).toBeNull();
  await revokeApiKey(api.db.prisma, real.apiKey.id);
  await restore(first.apiKey.id);

  // Four times the cache's size in distinct well-formed keys nobody has, eight at a time.
  for (let i = 0; i < 200; i += 8) {
    const flood = Array.from({ length: 8 }, () => authenticator.authenticate(generateApiKeySecret()));
    expect(await Promise.all(flood)).toEqual(Array(8).fill(null));
  }

  // The real key is still cached: it still works although it was revoked after it was cached.
  expect(await authenticator.authenticate(real.apiKey.secret)).toMatchObject({ orgId: real.org.id });
  // The first miss was pushed out of the bounded cache of misses, so it is looked up afresh.
  expect(await authenticator.authenticate(first.apiKey.secret)).toMatchObject({ orgId: first.org.id });
});

it("an unknown key is looked up at most once per TTL, however often it is sent", async () => {
  const authenticator = createApiKeyAuthenticator({
    prisma: api.db.prisma,
    ttlMs: 3_000,
    logger: createLogger({ name: "auth-test", level: "silent" }),
  });
  const { org, apiKey } = await createOrganization(api.db.prisma, { name: "Missed" });
  await revokeApiKey(api.db.prisma, apiKey.id);
  const cachedAt = Date.now();
  const answers = await Promise.all(
    Array.from({ length: 50 }, () => authenticator.authenticate(apiKey.secret)),
  );
  expect(answers).toEqual(Array(50).fill(null));
  await restore(apiKey.id);
  // Within the TTL the miss is answered from the cache: the restored key is not seen yet.
  for (let i = 0; i < 20; i += 1) expect(await authenticator.authenticate(apiKey.secret)).toBeNull();
  expect(Date.now() - cachedAt).toBeLessThan(3_000); // the probe ran within the TTL
  await waitFor(async () => (await authenticator.authenticate(apiKey.secret))?.orgId === org.id, {
    timeoutMs: 8_000,
    intervalMs: 100,
    message: "the miss was never looked up again",
  });
});
