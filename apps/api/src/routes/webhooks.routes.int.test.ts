import { createOrganization } from "@upsert/db";
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/start-test-api";

// The webhook endpoints' HTTP contract. Deliveries themselves are shown end to end, with worker
// processes and a real receiver, in apps/worker/src/webhooks.int.test.ts.
let database: TestDatabase;
let api: TestApi;
let publicApi: TestApi;
let key: string;
let otherKey: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const options = {
    databaseUrl: database.url,
    redisUrl: "redis://127.0.0.1:6379",
    queuePrefix: uniqueQueuePrefix(),
  };
  api = await startTestApi(options);
  // As production runs it: WEBHOOK_ALLOW_PRIVATE unset.
  publicApi = await startTestApi({
    ...options,
    queuePrefix: uniqueQueuePrefix(),
    webhookAllowPrivate: false,
  });
  key = (await createOrganization(api.db.prisma, { name: "Acme" })).apiKey.secret;
  otherKey = (await createOrganization(api.db.prisma, { name: "Other" })).apiKey.secret;
});

afterAll(async () => {
  await api?.close();
  await publicApi?.close();
  await database?.drop();
});

type ErrorBody = { error: { code: string; message: string; details?: { path: string; message: string }[] } };
type Webhook = {
  id: string;
  url: string;
  events: string[];
  status: string;
  disabled_reason: string | null;
  secret?: string;
  links: { self: string; deliveries: string };
};

const create = (body: unknown, on = api, withKey = key) =>
  on.call("POST", "/v1/webhooks", { key: withKey, body });

describe("POST /v1/webhooks", () => {
  it("creates a webhook: 201, Location, and a whsec_ signing secret shown only in this answer", async () => {
    const res = await create({
      url: "http://127.0.0.1:9/hooks",
      events: ["job.failed", "job.succeeded", "job.failed"],
    });
    expect(res.status).toBe(201);
    const { data } = res.body as { data: Webhook };
    expect(data).toMatchObject({
      url: "http://127.0.0.1:9/hooks",
      events: ["job.failed", "job.succeeded"],
      status: "active",
      disabled_reason: null,
    });
    expect(data.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(res.headers.get("location")).toBe(`/v1/webhooks/${data.id}`);

    const read = await api.call("GET", data.links.self, { key });
    expect(read.status).toBe(200);
    expect((read.body as { data: Webhook }).data).toEqual({
      ...data,
      secret: undefined,
      failing_since: null,
      disabled_at: null,
      created_at: expect.any(String),
    });
    expect(read.text).not.toContain(data.secret);
    const list = await api.call("GET", "/v1/webhooks", { key });
    expect(list.text).not.toContain(data.secret);
    expect((list.body as { data: Webhook[] }).data.map((w) => w.id)).toContain(data.id);
  });

  it.each([
    ["loopback", "http://127.0.0.1:8080/hook"],
    ["localhost", "http://localhost/hook"],
    ["IPv6 loopback", "http://[::1]:8080/hook"],
    ["cloud metadata (link-local)", "http://169.254.169.254/latest/meta-data/"],
    ["private", "https://10.0.0.5/hook"],
    ["private", "https://192.168.1.20/hook"],
  ])(
    "refuses a %s address with 422 when private addresses are not allowed, storing nothing",
    async (_kind, url) => {
      const before = await api.db.prisma.webhookEndpoint.count();
      const res = await create({ url, events: ["job.succeeded"] }, publicApi);
      expect(res.status).toBe(422);
      const { error } = res.body as ErrorBody;
      expect(error.code).toBe("unprocessable_entity");
      expect(error.details?.[0]).toMatchObject({
        path: "url",
        message: expect.stringMatching(/private or link-local/),
      });
      expect(await api.db.prisma.webhookEndpoint.count()).toBe(before);
    },
  );

  it("names every problem of a malformed body", async () => {
    const res = await create({ url: "ftp://example.com/x", events: ["job.done"], extra: 1 });
    expect(res.status).toBe(422);
    const paths = (res.body as ErrorBody).error.details?.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["url", "events[0]", "extra"]));
    expect((await create({ url: "https://user:pw@example.com/x", events: [] })).status).toBe(422);
  });
});

describe("GET and DELETE /v1/webhooks/{id}", () => {
  it("hides other organisations' webhooks and deletes with 204", async () => {
    const { data } = (await create({ url: "http://127.0.0.1:9/x", events: ["contact.enriched"] })).body as {
      data: Webhook;
    };
    expect((await api.call("GET", data.links.self, { key: otherKey })).status).toBe(404);
    expect((await api.call("DELETE", data.links.self, { key: otherKey })).status).toBe(404);
    expect((await api.call("GET", "/v1/webhooks/not-a-uuid", { key })).status).toBe(404);
    expect((await api.call("DELETE", data.links.self, { key })).status).toBe(204);
    expect((await api.call("GET", data.links.self, { key })).status).toBe(404);
    expect((await api.call("GET", data.links.deliveries, { key })).status).toBe(404);
  });

  it("lists deliveries as a Monaco list, and refuses a bad page size", async () => {
    const { data } = (await create({ url: "http://127.0.0.1:9/y", events: ["job.failed"] })).body as {
      data: Webhook;
    };
    const res = await api.call("GET", `${data.links.deliveries}?page=1&page_size=10`, { key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      data: [],
      pagination: { page: 1, page_size: 10, total_count: 0, total_pages: 0 },
    });
    expect((await api.call("GET", `${data.links.deliveries}?page_size=0`, { key })).status).toBe(422);
    expect((await api.call("GET", `${data.links.deliveries}?status=lost`, { key })).status).toBe(422);
  });
});
