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
  it("creates a tag: 201 with Monaco's TagResponse and the object", async () => {
    const res = await postTag({ object: "accounts", name: "Enterprise", color: "blue" });
    expect(res.status).toBe(201);
    const { data, meta } = res.body as { data: Tag; meta: { timestamp: string } };
    expect(data).toEqual({ id: expect.any(String), name: "Enterprise", color: "blue", object: "accounts" });
    expect(data.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Date.parse(meta.timestamp)).not.toBeNaN();
  });

  it("answers the trailing-slash path Monaco documents, with color null when not given", async () => {
    const res = await api.call("POST", "/v1/tags/", { key, body: { object: "contacts", name: "Slash" } });
    expect(res.status).toBe(201);
    expect((res.body as { data: Tag }).data.color).toBeNull();
  });

  it("refuses a duplicate name for the same object, whatever its case → 409 conflict", async () => {
    expect((await postTag({ object: "contacts", name: "Hot Lead" })).status).toBe(201);
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
    expect((await postTag({ object: "opportunities", name: "Shared" })).status).toBe(201);
    const other = await createOrganization(api.db.prisma, { name: "Other" });
    expect((await postTag({ object: "contacts", name: "Shared" }, other.apiKey.secret)).status).toBe(201);
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
    expect((await postTag({ object: "contacts", name: "b".repeat(100) })).status).toBe(201);
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
