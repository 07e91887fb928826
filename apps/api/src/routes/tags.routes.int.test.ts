import { createOrganization } from "@upsert/db";
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/start-test-api";

let database: TestDatabase;
let api: TestApi;
let key: string;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await startTestApi({
    databaseUrl: database.url,
    redisUrl: "redis://127.0.0.1:6379",
    queuePrefix: uniqueQueuePrefix(),
  });
  key = (await createOrganization(api.db.prisma, { name: "Acme" })).apiKey.secret;
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
});

type ErrorBody = { error: { code: string; message: string; details?: { path: string; message: string }[] } };
type Tag = { id: string; name: string; color: string | null; object: string };

const postTag = (body: unknown, withKey = key) => api.call("POST", "/v1/tags", { key: withKey, body });

describe("POST /v1/tags", () => {
  it("creates a tag: 200 (as Monaco) with Monaco's TagResponse and the object", async () => {
    const res = await postTag({ object: "accounts", name: "Enterprise", color: "blue" });
    expect(res.status).toBe(200);
    const { data, meta } = res.body as { data: Tag; meta: { timestamp: string } };
    expect(data).toEqual({ id: expect.any(String), name: "Enterprise", color: "blue", object: "accounts" });
    expect(data.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Date.parse(meta.timestamp)).not.toBeNaN();
  });

  it("answers the trailing-slash path Monaco documents, with color null when not given", async () => {
    const res = await api.call("POST", "/v1/tags/", { key, body: { object: "contacts", name: "Slash" } });
    expect(res.status).toBe(200);
    expect((res.body as { data: Tag }).data.color).toBeNull();
  });

  it("refuses a duplicate name for the same object, whatever its case → 409 conflict", async () => {
    expect((await postTag({ object: "contacts", name: "Hot Lead" })).status).toBe(200);
    for (const name of ["Hot Lead", "hot lead", "HOT LEAD", "  Hot Lead  "]) {
      const res = await postTag({ object: "contacts", name, color: "red" });
      expect(res.status).toBe(409);
      expect((res.body as ErrorBody).error.code).toBe("conflict");
    }
    expect(
      await api.db.prisma.tag.count({ where: { nameNormalized: "hot lead", objectType: "contacts" } }),
    ).toBe(1);
  });

  it("allows the same name for another object type and in another org", async () => {
    await postTag({ object: "contacts", name: "Shared" });
    expect((await postTag({ object: "opportunities", name: "Shared" })).status).toBe(200);
    const other = await createOrganization(api.db.prisma, { name: "Other" });
    expect((await postTag({ object: "contacts", name: "Shared" }, other.apiKey.secret)).status).toBe(200);
  });

  it("lists every problem of an invalid body → 422 with details", async () => {
    const before = await api.db.prisma.tag.count();
    const res = await postTag({ object: "leads", name: "No-Dashes!", color: "orange", colour: "red" });
    expect(res.status).toBe(422);
    const body = res.body as ErrorBody;
    expect(body.error.code).toBe("unprocessable_entity");
    expect(body.error.details?.map((d) => d.path).sort()).toEqual(["color", "colour", "name", "object"]);
    for (const detail of body.error.details ?? []) expect(detail.message.length).toBeGreaterThan(5);
    expect(await api.db.prisma.tag.count()).toBe(before);
  });

  it.each([
    ["a missing name and object", {}, ["object", "name"]],
    ["an empty name", { object: "contacts", name: "" }, ["name"]],
    ["a 101-character name", { object: "contacts", name: "a".repeat(101) }, ["name"]],
    ["a JSON array", [{ object: "contacts", name: "x" }], [""]],
  ])("rejects %s → 422", async (_case, body, paths) => {
    const res = await postTag(body);
    expect(res.status).toBe(422);
    expect((res.body as ErrorBody).error.details?.map((d) => d.path)).toEqual(paths);
  });

  // Sent as JSON escapes: JSON.parse turns `\u0000` into NUL and `\ud800` into a lone surrogate.
  it.each([
    ["a NUL", '{"object":"contacts","name":"VIP\\u0000"}'],
    ["a lone surrogate", '{"object":"contacts","name":"VIP\\ud800"}'],
  ])("refuses a name with %s → 422 naming it, creating nothing", async (_case, rawBody) => {
    const before = await api.db.prisma.tag.count();
    const res = await api.call("POST", "/v1/tags", {
      key,
      rawBody,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(422);
    expect((res.body as ErrorBody).error.details).toEqual([
      { path: "name", message: "name must not contain NUL characters or invalid Unicode." },
    ]);
    expect(await api.db.prisma.tag.count()).toBe(before);
  });

  it("accepts a 100-character name", async () => {
    expect((await postTag({ object: "contacts", name: "b".repeat(100) })).status).toBe(200);
  });

  it("refuses a body that is not JSON → 415", async () => {
    const res = await api.call("POST", "/v1/tags", {
      key,
      rawBody: "object=contacts&name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
  });
});

describe("GET /v1/tags", () => {
  it("lists only the caller's tags, optionally for one object type", async () => {
    const other = await createOrganization(api.db.prisma, { name: "Lister" });
    const otherKey = other.apiKey.secret;
    await postTag({ object: "contacts", name: "beta" }, otherKey);
    await postTag({ object: "contacts", name: "Alpha", color: "green" }, otherKey);
    await postTag({ object: "accounts", name: "Gamma" }, otherKey);

    const all = await api.call("GET", "/v1/tags", { key: otherKey });
    expect(all.status).toBe(200);
    expect((all.body as { data: Tag[] }).data.map((t) => [t.object, t.name, t.color])).toEqual([
      ["accounts", "Gamma", null],
      ["contacts", "Alpha", "green"],
      ["contacts", "beta", null],
    ]);

    const contacts = await api.call("GET", "/v1/tags?object=contacts", { key: otherKey });
    expect((contacts.body as { data: Tag[] }).data.map((t) => t.name)).toEqual(["Alpha", "beta"]);
    const none = await api.call("GET", "/v1/tags?object=opportunities", { key: otherKey });
    expect((none.body as { data: Tag[] }).data).toEqual([]);
  });

  it("rejects an unknown object filter → 422", async () => {
    const res = await api.call("GET", "/v1/tags?object=leads", { key });
    expect(res.status).toBe(422);
    expect((res.body as ErrorBody).error.details?.map((d) => d.path)).toEqual(["object"]);
  });
});

describe("GET, PATCH and DELETE /v1/tags/{id}", () => {
  const newTag = async (name: string, object = "contacts", withKey = key) =>
    ((await postTag({ object, name, color: "blue" }, withKey)).body as { data: Tag }).data;

  it("gets one tag; an unknown, malformed or other org's id → 404 not_found", async () => {
    const tag = await newTag("Single");
    const res = await api.call("GET", `/v1/tags/${tag.id}`, { key });
    expect(res.status).toBe(200);
    expect((res.body as { data: Tag }).data).toEqual(tag);

    const other = await createOrganization(api.db.prisma, { name: "Peeker" });
    for (const [id, withKey] of [
      ["0190b9f0-0000-7000-8000-000000000000", key],
      ["not-a-uuid", key],
      [tag.id, other.apiKey.secret],
    ] as const) {
      const miss = await api.call("GET", `/v1/tags/${id}`, { key: withKey });
      expect(miss.status).toBe(404);
      expect((miss.body as ErrorBody).error.code).toBe("not_found");
    }
  });

  it("renames and recolours; null name keeps it, null color clears it; the object stays", async () => {
    const tag = await newTag("Renamable");
    const renamed = await api.call("PATCH", `/v1/tags/${tag.id}`, {
      key,
      body: { name: "Strategic Enterprise" },
    });
    expect(renamed.status).toBe(200);
    expect((renamed.body as { data: Tag }).data).toEqual({ ...tag, name: "Strategic Enterprise" });

    const recoloured = await api.call("PATCH", `/v1/tags/${tag.id}`, {
      key,
      body: { name: null, color: "purple" },
    });
    expect((recoloured.body as { data: Tag }).data).toEqual({
      ...tag,
      name: "Strategic Enterprise",
      color: "purple",
    });

    const cleared = await api.call("PATCH", `/v1/tags/${tag.id}/`, { key, body: { color: null } });
    expect((cleared.body as { data: Tag }).data.color).toBeNull();
    const unchanged = await api.call("PATCH", `/v1/tags/${tag.id}`, { key, body: {} });
    expect(unchanged.status).toBe(200);
    expect((unchanged.body as { data: Tag }).data).toEqual({
      ...tag,
      name: "Strategic Enterprise",
      color: null,
    });
    expect((await api.call("GET", `/v1/tags/${tag.id}`, { key })).body).toMatchObject({
      data: { name: "Strategic Enterprise", color: null, object: "contacts" },
    });
  });

  it("refuses a rename onto another tag's name (any case) → 409, and a bad body → 422; nothing changes", async () => {
    await newTag("Taken Name");
    const tag = await newTag("Mine");
    const clash = await api.call("PATCH", `/v1/tags/${tag.id}`, { key, body: { name: "TAKEN NAME" } });
    expect(clash.status).toBe(409);
    expect((clash.body as ErrorBody).error.code).toBe("conflict");

    const bad = await api.call("PATCH", `/v1/tags/${tag.id}`, {
      key,
      body: { name: "No-Dashes!", color: "orange", object: "accounts" },
    });
    expect(bad.status).toBe(422);
    expect((bad.body as ErrorBody).error.details?.map((d) => d.path).sort()).toEqual([
      "color",
      "name",
      "object",
    ]);
    expect((await api.call("GET", `/v1/tags/${tag.id}`, { key })).body).toMatchObject({
      data: { name: "Mine", color: "blue" },
    });
    const missing = await api.call("PATCH", "/v1/tags/0190b9f0-0000-7000-8000-000000000000", {
      key,
      body: { name: "Ghost" },
    });
    expect(missing.status).toBe(404);
  });

  it("deletes a tag → 204, and it is gone from the contacts it was on", async () => {
    const tag = await newTag("Doomed");
    const kept = await newTag("Kept");
    const orgId = (await api.db.prisma.tag.findUniqueOrThrow({ where: { id: tag.id } })).orgId;
    const contact = await api.db.prisma.contact.create({
      data: {
        id: "0190b9f0-0000-7000-8000-0000000000c1",
        orgId,
        email: "tagged@acme.com",
        emailNormalized: "tagged@acme.com",
      },
    });
    await api.db.prisma.contactTag.createMany({
      data: [tag.id, kept.id].map((tagId) => ({ contactId: contact.id, tagId })),
    });

    const res = await api.call("DELETE", `/v1/tags/${tag.id}`, { key });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect((await api.call("GET", `/v1/tags/${tag.id}`, { key })).status).toBe(404);
    expect((await api.call("DELETE", `/v1/tags/${tag.id}`, { key })).status).toBe(404);
    const read = await api.call("GET", `/v1/contacts/${contact.id}`, { key });
    expect((read.body as { data: { tags: string[] } }).data.tags).toEqual(["Kept"]);
  });
});
