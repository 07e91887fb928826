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

type FieldSchema = {
  key: string;
  name: string;
  type: string;
  filterable: boolean;
  sortable: boolean;
  updatable: boolean;
  allowed_operators: string[];
  custom_field_settings?: { id: string; is_ai_auto_filled: boolean };
  enum_field_settings?: { allowed_values: { key: string; display_value: string }[] };
};

const getSchemas = (withKey = key) => api.call("GET", "/v1/schemas/contacts", { key: withKey });

describe("GET /v1/schemas/contacts", () => {
  it("lists the built-in contact fields with Monaco's FieldSchemaResponse shape", async () => {
    const res = await getSchemas();
    expect(res.status).toBe(200);
    const fields = (res.body as { data: FieldSchema[] }).data;
    expect(fields.map((f) => f.key)).toEqual([
      "email",
      "linkedin_url",
      "first_name",
      "last_name",
      "title",
      "phone_number",
      "location",
      "do_not_contact",
      "account_id",
      "account.domain",
      "tags",
      "created_at",
      "updated_at",
    ]);
    expect(fields[0]).toEqual({
      name: "Email",
      key: "email",
      type: "string",
      filterable: true,
      sortable: true,
      updatable: true,
      allowed_operators: ["equals", "contains", "not_contains", "is_empty", "is_not_empty"],
    });
    expect(fields.find((f) => f.key === "updated_at")).toMatchObject({
      type: "datetime",
      updatable: false,
      allowed_operators: ["is_before", "is_after"],
    });
  });

  it("includes a created custom field, for its org only", async () => {
    const created = await api.call("POST", "/v1/custom-fields", {
      key,
      body: { entity: "contacts", name: "Tier", type: "enum", options: ["gold", "silver"] },
    });
    const id = (created.body as { data: { id: string } }).data.id;
    const fields = ((await getSchemas()).body as { data: FieldSchema[] }).data;
    expect(fields.at(-1)).toEqual({
      name: "Tier",
      key: `custom_field_${id}`,
      type: "enum",
      filterable: true,
      sortable: true,
      updatable: true,
      allowed_operators: ["is", "is_not", "is_empty", "is_not_empty"],
      custom_field_settings: { id, is_ai_auto_filled: false },
      enum_field_settings: {
        allowed_values: [
          { key: "gold", display_value: "gold" },
          { key: "silver", display_value: "silver" },
        ],
      },
    });

    const other = await createOrganization(api.db.prisma, { name: "Other" });
    const theirs = ((await getSchemas(other.apiKey.secret)).body as { data: FieldSchema[] }).data;
    expect(theirs.some((f) => f.key.startsWith("custom_field_"))).toBe(false);
  });

  it.each(["opportunities", "widgets", "CONTACTS"])("answers 404 for the entity %s", async (entity) => {
    const res = await api.call("GET", `/v1/schemas/${entity}`, { key });
    expect(res.status).toBe(404);
    expect((res.body as { error: { code: string } }).error.code).toBe("not_found");
  });
});
