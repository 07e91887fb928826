import { randomUUID } from "node:crypto";
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

describe("PATCH /v1/webhooks/{id}", () => {
  const patch = (id: string, body: unknown, on = api, withKey = key) =>
    on.call("PATCH", `/v1/webhooks/${id}`, { key: withKey, body });
  const stored = (id: string) => api.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id } });

  it("changes url and events, keeps the secret, and answers the webhook as GET shows it", async () => {
    const { data } = (await create({ url: "http://127.0.0.1:9/a", events: ["job.failed"] })).body as {
      data: Webhook;
    };
    const secretBefore = (await stored(data.id)).secret;
    const res = await patch(data.id, {
      url: "http://127.0.0.1:9/b",
      events: ["batch.finished", "job.succeeded", "batch.finished"],
    });
    expect(res.status).toBe(200);
    const { data: changed } = res.body as { data: Webhook };
    expect(changed).toMatchObject({
      id: data.id,
      url: "http://127.0.0.1:9/b",
      events: ["batch.finished", "job.succeeded"],
      status: "active",
    });
    expect(res.text).not.toContain("secret");
    expect((await api.call("GET", data.links.self, { key })).body).toMatchObject({ data: changed });
    expect((await stored(data.id)).secret).toBe(secretBefore);
  });

  it("disables with enabled: false and re-enables with enabled: true, clearing the reason and the failure run", async () => {
    const { data } = (await create({ url: "http://127.0.0.1:9/c", events: ["job.failed"] })).body as {
      data: Webhook;
    };
    const disabled = await patch(data.id, { enabled: false });
    expect(disabled.status).toBe(200);
    expect((disabled.body as { data: Webhook }).data).toMatchObject({
      status: "disabled",
      disabled_reason: "Disabled by request (PATCH with enabled: false).",
      disabled_at: expect.any(String),
    });
    // As the worker leaves an endpoint it disabled itself: failing since a day ago.
    await api.db.prisma.webhookEndpoint.update({
      where: { id: data.id },
      data: { firstFailedAt: new Date(Date.now() - 86_400_000), disabledReason: "Every delivery failed" },
    });
    const enabled = await patch(data.id, { enabled: true });
    expect(enabled.status).toBe(200);
    expect((enabled.body as { data: Webhook }).data).toMatchObject({
      status: "active",
      disabled_reason: null,
      disabled_at: null,
      failing_since: null,
    });
    // Enabling an active webhook changes nothing.
    expect((await patch(data.id, { enabled: true })).body).toMatchObject({ data: { status: "active" } });
  });

  it("records a disabled webhook's pending deliveries failed, and leaves them failed when it is re-enabled", async () => {
    const { data } = (await create({ url: "http://127.0.0.1:9/d", events: ["job.failed"] })).body as {
      data: Webhook;
    };
    const org = await api.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: data.id } });
    await api.db.prisma.webhookDelivery.create({
      data: {
        id: randomUUID(),
        endpointId: data.id,
        orgId: org.orgId,
        eventId: randomUUID(),
        eventType: "job.failed",
        payload: { type: "job.failed", timestamp: new Date().toISOString(), data: {} },
        nextAttemptAt: new Date(Date.now() + 60_000),
      },
    });
    expect((await patch(data.id, { enabled: false })).status).toBe(200);
    expect((await patch(data.id, { enabled: true })).status).toBe(200);
    const page = await api.call("GET", data.links.deliveries, { key });
    expect((page.body as { data: unknown[] }).data).toEqual([
      expect.objectContaining({ status: "failed", last_error: "endpoint disabled", next_attempt_at: null }),
    ]);
  });

  it.each([
    ["a loopback URL", { url: "http://127.0.0.1:8080/hook" }],
    ["a cloud metadata URL", { url: "http://169.254.169.254/latest/meta-data/", enabled: true }],
    ["a private URL", { url: "https://10.0.0.5/hook", events: ["job.failed"] }],
  ])("refuses %s with 422 when private addresses are not allowed, changing nothing", async (_kind, body) => {
    const { data } = (await create({ url: "http://127.0.0.1:9/p", events: ["job.succeeded"] }, api)).body as {
      data: Webhook;
    };
    // Disabled first, so a refused re-enable would show.
    expect((await patch(data.id, { enabled: false })).status).toBe(200);
    const before = await stored(data.id);
    const res = await patch(data.id, body, publicApi);
    expect(res.status).toBe(422);
    expect((res.body as ErrorBody).error).toMatchObject({
      code: "unprocessable_entity",
      details: [{ path: "url", message: expect.stringMatching(/private or link-local/) }],
    });
    expect(await stored(data.id)).toEqual(before);
  });

  it("refuses to re-enable a webhook whose stored URL now resolves to a private address", async () => {
    // Created where private addresses were allowed; re-enabled where they are not.
    const { data } = (await create({ url: "http://127.0.0.1:9/e", events: ["job.failed"] })).body as {
      data: Webhook;
    };
    expect((await patch(data.id, { enabled: false })).status).toBe(200);
    const res = await patch(data.id, { enabled: true }, publicApi);
    expect(res.status).toBe(422);
    expect((await stored(data.id)).status).toBe("disabled");
  });

  it("names every problem of a bad body, refuses an empty one, and changes nothing", async () => {
    const { data } = (await create({ url: "http://127.0.0.1:9/f", events: ["job.failed"] })).body as {
      data: Webhook;
    };
    const before = await stored(data.id);
    const bad = await patch(data.id, { url: "ftp://x", events: [], enabled: "yes", secret: "whsec_x" });
    expect(bad.status).toBe(422);
    expect((bad.body as ErrorBody).error.code).toBe("unprocessable_entity");
    expect((bad.body as ErrorBody).error.details?.map((d) => d.path)).toEqual(
      expect.arrayContaining(["url", "events", "enabled", "secret"]),
    );
    const empty = await patch(data.id, {});
    expect(empty.status).toBe(422);
    expect((empty.body as ErrorBody).error.details?.[0]?.message).toBe(
      "Send at least one of url, events, enabled.",
    );
    expect((await patch(data.id, [])).status).toBe(422);
    const notJson = await fetch(`${api.url}/v1/webhooks/${data.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${key}`, "content-type": "text/plain" },
      body: "enabled=false",
    });
    expect(notJson.status).toBe(415);
    expect(await stored(data.id)).toEqual(before);
  });

  it("answers 404 for another organisation's webhook or a malformed id, changing nothing", async () => {
    const { data } = (await create({ url: "http://127.0.0.1:9/g", events: ["job.failed"] })).body as {
      data: Webhook;
    };
    const before = await stored(data.id);
    const res = await patch(data.id, { enabled: false }, api, otherKey);
    expect(res.status).toBe(404);
    expect((res.body as ErrorBody).error.code).toBe("not_found");
    expect((await patch("not-a-uuid", { enabled: false })).status).toBe(404);
    expect(await stored(data.id)).toEqual(before);
  });
});

describe("POST /v1/webhooks/{id}/rotate-secret", () => {
  const rotate = (id: string, withKey = key) =>
    api.call("POST", `/v1/webhooks/${id}/rotate-secret`, { key: withKey });

  it("answers a new whsec_ secret once and keeps the replaced one as the previous for 24 h", async () => {
    const created = (await create({ url: "http://127.0.0.1:9/r", events: ["job.failed"] })).body as {
      data: Webhook;
    };
    const first = created.data.secret;
    const started = Date.now();
    const res = await rotate(created.data.id);
    expect(res.status).toBe(200);
    const { data } = res.body as { data: Webhook & { previous_secret_expires_at: string } };
    expect(data).toMatchObject({ id: created.data.id, status: "active", url: "http://127.0.0.1:9/r" });
    expect(data.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(data.secret).not.toBe(first);
    expect(res.text).not.toContain(first);
    const expires = Date.parse(data.previous_secret_expires_at);
    expect(expires).toBeGreaterThanOrEqual(started + 86_400_000 - 1_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 86_400_000 + 1_000);
    const row = await api.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: data.id } });
    expect(row).toMatchObject({ secret: data.secret, previousSecret: first });
    // Not shown anywhere else.
    const read = await api.call("GET", data.links.self, { key });
    expect(read.text).not.toContain(data.secret);
    expect(read.text).not.toContain(first ?? "");

    // A second rotation keeps only the secret it replaces.
    const again = (await rotate(data.id)).body as { data: Webhook };
    expect(await api.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: data.id } })).toMatchObject({
      secret: again.data.secret,
      previousSecret: data.secret,
    });
  });

  it("answers 404 for another organisation's webhook, rotating nothing", async () => {
    const { data } = (await create({ url: "http://127.0.0.1:9/s", events: ["job.failed"] })).body as {
      data: Webhook;
    };
    expect((await rotate(data.id, otherKey)).status).toBe(404);
    expect((await rotate("not-a-uuid")).status).toBe(404);
    expect(await api.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: data.id } })).toMatchObject({
      secret: data.secret,
      previousSecret: null,
    });
  });
});
