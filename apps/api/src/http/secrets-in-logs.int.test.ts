import { createOrganization } from "@upsert/db";
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix, waitFor } from "@upsert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type CapturedLogs, captureLogs } from "../testing/capture-logs";
import { startTestApi, type TestApi } from "../testing/start-test-api";

// Issue 9: a key sent as X-Api-Key or ?api_key= was logged in full. Here a real, valid key is sent
// in every place a client might put one, through the real API logging at trace level, and the
// captured log lines are searched for it.

let database: TestDatabase;
let api: TestApi;
let secret: string;
const queuePrefix = uniqueQueuePrefix();
let logs: CapturedLogs;
const logLines = () => logs.text().split("\n").filter(Boolean);

beforeAll(async () => {
  database = await createTestDatabase();
  logs = captureLogs("trace");
  api = await startTestApi({
    databaseUrl: database.url,
    redisUrl: "redis://127.0.0.1:6379",
    queuePrefix,
    logger: logs.logger,
  });
  secret = (await createOrganization(api.db.prisma, { name: "Leaky" })).apiKey.secret;
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
});

const bearer = () => ({ authorization: `Bearer ${secret}` });
const json = { "content-type": "application/json" };

it("a key sent anywhere but Authorization authenticates nothing, and no log line contains it", async () => {
  const attempts: { name: string; status: number; send: () => ReturnType<TestApi["call"]> }[] = [
    {
      name: "Authorization",
      status: 202,
      send: () => api.call("PUT", "/v1/contacts", { key: secret, body: { email: "ann@acme.com" } }),
    },
    {
      name: "Authorization, other scheme",
      status: 401,
      send: () => api.call("GET", "/v1/tags", { headers: { authorization: `Token ${secret}` } }),
    },
    {
      name: "X-Api-Key",
      status: 401,
      send: () => api.call("GET", "/v1/tags", { headers: { "x-api-key": secret } }),
    },
    {
      name: "Cookie",
      status: 401,
      send: () =>
        api.call("GET", "/v1/tags", { headers: { cookie: `api_key=${secret}; session=${secret}` } }),
    },
    {
      name: "X-Request-Id",
      status: 200,
      send: () => api.call("GET", "/v1/tags", { headers: { ...bearer(), "x-request-id": secret } }),
    },
    {
      name: "an unknown header",
      status: 401,
      send: () => api.call("GET", "/v1/tags", { headers: { "x-auth": `Bearer ${secret}` } }),
    },
    { name: "?api_key=", status: 401, send: () => api.call("GET", `/v1/tags?api_key=${secret}`) },
    { name: "?key=", status: 401, send: () => api.call("GET", `/v1/tags?object=contacts&key=${secret}`) },
    { name: "?token=", status: 401, send: () => api.call("GET", `/v1/tags?token=${secret}`) },
    { name: "?Api%5FKey=", status: 401, send: () => api.call("GET", `/v1/tags?Api%5FKey=${secret}`) },
    { name: "another parameter", status: 401, send: () => api.call("GET", `/v1/tags?q=${secret}`) },
    {
      name: "the path",
      status: 404,
      send: () => api.call("GET", `/v1/jobs/${secret}`, { headers: bearer() }),
    },
    { name: "the path, no auth", status: 401, send: () => api.call("GET", `/v1/contacts/${secret}`) },
    { name: "an unknown route", status: 404, send: () => api.call("GET", `/${secret}`) },
    {
      name: "body fields",
      status: 422,
      send: () =>
        api.call("PUT", "/v1/contacts", {
          headers: bearer(),
          body: { email: "bob@acme.com", api_key: secret, key: secret, token: secret, secret },
        }),
    },
    {
      name: "a body field's name",
      status: 422,
      send: () =>
        api.call("PUT", "/v1/contacts", { headers: bearer(), body: { email: "c@acme.com", [secret]: 1 } }),
    },
    {
      name: "an account body",
      status: 422,
      send: () =>
        api.call("PUT", "/v1/accounts", { headers: bearer(), body: { domain: "acme.com", api_key: secret } }),
    },
    {
      name: "a tag body",
      status: 422,
      send: () =>
        api.call("POST", "/v1/tags", {
          headers: bearer(),
          body: { object: "contacts", name: "VIP", [secret]: secret },
        }),
    },
    {
      name: "a body without auth",
      status: 401,
      send: () => api.call("PUT", "/v1/contacts", { body: { email: "d@acme.com", api_key: secret } }),
    },
    {
      name: "malformed JSON",
      status: 400,
      send: () =>
        api.call("PUT", "/v1/contacts", {
          headers: { ...bearer(), ...json },
          rawBody: `{"api_key": "${secret}"`,
        }),
    },
  ];

  for (const attempt of attempts) {
    const res = await attempt.send();
    expect({ place: attempt.name, status: res.status }).toEqual({
      place: attempt.name,
      status: attempt.status,
    });
    expect(res.headers.get("x-request-id")).not.toContain(secret);
  }

  // pino-http logs a request when its response finishes, which may be just after the client has it.
  const requestLines = () => logLines().filter((line) => /"msg":"request (completed|errored)"/.test(line));
  await waitFor(() => requestLines().length === attempts.length, {
    timeoutMs: 5_000,
    message: "requests not all logged",
  });

  expect(logLines().filter((line) => line.includes(secret))).toEqual([]);
  const logged = requestLines().map(
    (line) => JSON.parse(line) as { req: { url: string; headers: Record<string, string> } },
  );
  const urls = logged.map((line) => line.req.url);
  // Logged, but censored: the lines still say what was asked.
  expect(urls).toContain("/v1/tags?api_key=[redacted]");
  expect(urls).toContain("/v1/tags?object=contacts&key=[redacted]");
  expect(urls).toContain("/v1/tags?Api%5FKey=[redacted]");
  expect(urls).toContain("/v1/tags?q=mks_[redacted]");
  expect(urls).toContain("/v1/jobs/mks_[redacted]");
  const headers = logged.map((line) => line.req.headers);
  expect(headers.filter((h) => h.authorization === "[redacted]").length).toBeGreaterThanOrEqual(8);
  expect(headers.some((h) => h["x-api-key"] === "[redacted]" && h.cookie === undefined)).toBe(true);
  expect(headers.some((h) => h.cookie === "[redacted]")).toBe(true);
  expect(headers.some((h) => h["x-auth"] === "Bearer mks_[redacted]")).toBe(true);
});

it("the key reaches neither the intake log nor the queue, so no worker can log it", async () => {
  const rows = await api.db.prisma.intakeRequest.findMany();
  expect(rows.length).toBeGreaterThan(0); // the accepted request
  expect(
    rows.filter((row) =>
      JSON.stringify(row, (_key, value: unknown) =>
        typeof value === "bigint" ? String(value) : value,
      ).includes(secret),
    ),
  ).toEqual([]);
  const leaks: string[] = [];
  const redisKeys = await api.redis.keys(`${queuePrefix}:*`);
  expect(redisKeys.length).toBeGreaterThan(0); // the accepted request's job
  for (const redisKey of redisKeys) {
    const type = await api.redis.type(redisKey);
    const value =
      type === "hash"
        ? JSON.stringify(await api.redis.hgetall(redisKey))
        : type === "string"
          ? await api.redis.get(redisKey)
          : type === "list"
            ? JSON.stringify(await api.redis.lrange(redisKey, 0, -1))
            : type === "zset"
              ? JSON.stringify(await api.redis.zrange(redisKey, 0, -1))
              : "";
    if (value?.includes(secret)) leaks.push(redisKey);
  }
  expect(leaks).toEqual([]);
});
