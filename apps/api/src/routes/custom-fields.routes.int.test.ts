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

const postField = (body: unknown, withKey = key) =>
  api.call("POST", "/v1/custom-fields", { key: withKey, body });

describe("POST /v1/custom-fields", () => {
  it("creates an enum field: 201 with its custom_field_<id> key", async () => {
    const res = await postField({
      entity: "contacts",
      name: "Tier",
      type: "enum",
      options: ["gold", "silver"],
    });
    expect(res.status).toBe(201);
    const { data } = res.body as { data: Record<string, unknown> };
    const id = data.id as string;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(data).toEqual({
      id,
      key: `custom_field_${id}`,
      entity: "contacts",
      name: "Tier",
      type: "enum",
      options: ["gold", "silver"],
      created_at: expect.any(String),
    });
    expect(Date.parse(data.created_at as string)).not.toBeNaN();
  });

  it.each(["string", "number", "boolean", "date"])("creates a %s field with no options", async (type) => {
    const res = await postField({ entity: "contacts", name: `A ${type}`, type });
    expect(res.status).toBe(201);
    expect((res.body as { data: unknown }).data).toMatchObject({ type, options: [] });
  });

  it("refuses a second field with the same name → 409 conflict, but not in another org", async () => {
    expect((await postField({ entity: "contacts", name: "Score", type: "number" })).status).toBe(201);
    const again = await postField({ entity: "contacts", name: "Score", type: "string" });
    expect(again.status).toBe(409);
    expect((again.body as ErrorBody).error.code).toBe("conflict");
    const other = await createOrganization(api.db.prisma, { name: "Other" });
    expect(
      (await postField({ entity: "contacts", name: "Score", type: "number" }, other.apiKey.secret)).status,
    ).toBe(201);
  });

  it("lists every problem of an invalid body → 422 with details, creating nothing", async () => {
    const before = await api.db.prisma.customField.count();
    const res = await postField({ entity: "accounts", name: "", type: "text", options: "a", colour: 1 });
    expect(res.status).toBe(422);
    const body = res.body as ErrorBody;
    expect(body.error.code).toBe("unprocessable_entity");
    expect(body.error.details?.map((d) => d.path).sort()).toEqual([
      "colour",
      "entity",
      "name",
      "options",
      "type",
    ]);
    expect(await api.db.prisma.customField.count()).toBe(before);
  });

  // Sent as JSON escapes, as a client would: JSON.parse turns `\u0000` into NUL and `\ud800` into
  // a lone surrogate. Postgres refused the first (a 500) and stored U+FFFD for the second (a 201).
  it.each([
    ["a NUL in the name", '{"entity":"contacts","name":"Sc\\u0000ore","type":"string"}', "name"],
    ["a lone surrogate in the name", '{"entity":"contacts","name":"Score\\ud800","type":"string"}', "name"],
    [
      "a NUL in an option",
      '{"entity":"contacts","name":"Tier","type":"enum","options":["gold","\\u0000"]}',
      "options[1]",
    ],
    [
      "a lone surrogate in an option",
      '{"entity":"contacts","name":"Tier","type":"enum","options":["\\udc00gold"]}',
      "options[0]",
    ],
  ])("refuses %s → 422 naming the field, creating nothing", async (_case, rawBody, path) => {
    const before = await api.db.prisma.customField.count();
    const res = await api.call("POST", "/v1/custom-fields", {
      key,
      rawBody,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(422);
    const field = path === "name" ? "name" : "an option";
    expect((res.body as ErrorBody).error.details).toEqual([
      { path, message: `${field} must not contain NUL characters or invalid Unicode.` },
    ]);
    expect(await api.db.prisma.customField.count()).toBe(before);
  });

  it.each([
    ["an enum without options", { type: "enum" }, ["options"]],
    ["an enum with no options", { type: "enum", options: [] }, ["options"]],
    ["an enum with a repeated option", { type: "enum", options: ["a", "a"] }, ["options[1]"]],
    ["options on a string field", { type: "string", options: ["a"] }, ["options"]],
  ])("rejects %s → 422", async (_case, extra, paths) => {
    const res = await postField({ entity: "contacts", name: "Bad", ...extra });
    expect(res.status).toBe(422);
    expect((res.body as ErrorBody).error.details?.map((d) => d.path)).toEqual(paths);
  });
});

type Field = { id: string; key: string; entity: string; name: string; type: string; options: string[] };

describe("GET /v1/custom-fields, GET and DELETE /v1/custom-fields/{id}", () => {
  it("lists the caller's fields oldest first, optionally of one entity; a bad entity → 422", async () => {
    const other = await createOrganization(api.db.prisma, { name: "Field lister" });
    const otherKey = other.apiKey.secret;
    const first = (
      (await postField({ entity: "contacts", name: "First", type: "string" }, otherKey)).body as {
        data: Field;
      }
    ).data;
    const second = (
      (await postField({ entity: "contacts", name: "Second", type: "number" }, otherKey)).body as {
        data: Field;
      }
    ).data;

    const all = await api.call("GET", "/v1/custom-fields", { key: otherKey });
    expect(all.status).toBe(200);
    expect((all.body as { data: Field[] }).data).toEqual([first, second]);
    const contacts = await api.call("GET", "/v1/custom-fields?entity=contacts", { key: otherKey });
    expect((contacts.body as { data: Field[] }).data.map((f) => f.name)).toEqual(["First", "Second"]);

    const bad = await api.call("GET", "/v1/custom-fields?entity=leads", { key: otherKey });
    expect(bad.status).toBe(422);
    expect((bad.body as ErrorBody).error.details?.map((d) => d.path)).toEqual(["entity"]);
  });

  it("gets one field; an unknown, malformed or other org's id → 404 not_found", async () => {
    const field = (
      (await postField({ entity: "contacts", name: "Lookup", type: "boolean" })).body as { data: Field }
    ).data;
    const res = await api.call("GET", `/v1/custom-fields/${field.id}`, { key });
    expect(res.status).toBe(200);
    expect((res.body as { data: Field }).data).toEqual(field);
    const other = await createOrganization(api.db.prisma, { name: "Field peeker" });
    for (const [id, withKey] of [
      ["0190b9f0-0000-7000-8000-000000000000", key],
      ["nope", key],
      [field.id, other.apiKey.secret],
    ] as const) {
      const miss = await api.call("GET", `/v1/custom-fields/${id}`, { key: withKey });
      expect(miss.status).toBe(404);
      expect((miss.body as ErrorBody).error.code).toBe("not_found");
    }
  });

  it("deletes a field → 204, and its values are gone from every contact; other fields' values stay", async () => {
    const doomed = (
      (await postField({ entity: "contacts", name: "Doomed", type: "string" })).body as { data: Field }
    ).data;
    const kept = (
      (await postField({ entity: "contacts", name: "Kept", type: "string" })).body as { data: Field }
    ).data;
    const orgId = (await api.db.prisma.customField.findUniqueOrThrow({ where: { id: doomed.id } })).orgId;
    const contact = await api.db.prisma.contact.create({
      data: {
        id: "0190b9f0-0000-7000-8000-0000000000f1",
        orgId,
        email: "valued@acme.com",
        emailNormalized: "valued@acme.com",
        customFields: { [doomed.key]: "secret", [kept.key]: "stays" },
        fieldProvenance: { [doomed.key]: "request", [kept.key]: "request" },
      },
    });

    const res = await api.call("DELETE", `/v1/custom-fields/${doomed.id}`, { key });
    expect(res.status).toBe(204);
    expect((await api.call("GET", `/v1/custom-fields/${doomed.id}`, { key })).status).toBe(404);
    expect((await api.call("DELETE", `/v1/custom-fields/${doomed.id}`, { key })).status).toBe(404);

    const read = (await api.call("GET", `/v1/contacts/${contact.id}`, { key })).body as {
      data: Record<string, unknown>;
    };
    expect(read.data[doomed.key]).toBeUndefined();
    expect(read.data[kept.key]).toBe("stays");
    const stored = await api.db.prisma.contact.findUniqueOrThrow({ where: { id: contact.id } });
    expect(stored.customFields).toEqual({ [kept.key]: "stays" });
    expect(stored.fieldProvenance).toEqual({ [kept.key]: "request" });
  });
});
