import { createOrganization, revokeApiKey } from "@upsert/db";
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix, waitFor } from "@upsert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/start-test-api";

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
