import { createOrganization } from "@upsert/db";
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/start-test-api";

let database: TestDatabase;
let api: TestApi;
let key: string;
let orgId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await startTestApi({
    databaseUrl: database.url,
    redisUrl: "redis://127.0.0.1:6379",
    queuePrefix: uniqueQueuePrefix(),
  });
  const created = await createOrganization(api.db.prisma, { name: "Acme" });
  key = created.apiKey.secret;
  orgId = created.org.id;
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
});

type DataBody = { data: Record<string, unknown>; meta: { timestamp: string } };

const contactId = "0191f0c2-1111-7000-8000-000000000001";
const accountId = "0191f0c2-2222-7000-8000-000000000001";

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await api.call("POST", path, { key, body });
  expect(res.status).toBe(path.startsWith("/v1/tags") ? 200 : 201); // a created tag is 200, as Monaco's
  return (res.body as DataBody).data;
}

describe("GET /v1/contacts/:id", () => {
  it("shows the contact with custom fields at the top level, tag names and the enrichment block", async () => {
    const tier = await post("/v1/custom-fields", {
      entity: "contacts",
      name: "Tier",
      type: "enum",
      options: ["gold"],
    });
    const score = await post("/v1/custom-fields", { entity: "contacts", name: "Score", type: "number" });
    const vip = await post("/v1/tags", { object: "contacts", name: "VIP" });
    const warm = await post("/v1/tags", { object: "contacts", name: "Warm Lead", color: "peach" });
    await api.db.prisma.account.create({ data: { id: accountId, orgId, domain: "acme.com", name: "Acme" } });
    await api.db.prisma.contact.create({
      data: {
        id: contactId,
        orgId,
        email: "Jane@Acme.com",
        emailNormalized: "jane@acme.com",
        linkedinUrl: "https://linkedin.com/in/jane",
        linkedinCanonical: "https://linkedin.com/in/jane",
        firstName: "Jane",
        lastName: "Doe",
        title: "CTO",
        phoneNumber: "+14155550132",
        location: "Paris",
        source: "api",
        accountId,
        customFields: { [tier.key as string]: "gold", [score.key as string]: 7 },
        enrichmentStatus: "applied",
        enrichmentProvider: "builtin",
        enrichedFields: ["last_name", "title"],
        enrichedAt: new Date("2026-01-02T03:04:05.000Z"),
        enrichmentError: "never shown",
        tags: { create: [{ tagId: warm.id as string }, { tagId: vip.id as string }] },
      },
    });

    const res = await api.call("GET", `/v1/contacts/${contactId}`, { key });
    expect(res.status).toBe(200);
    const { data, meta } = res.body as DataBody;
    expect(Date.parse(meta.timestamp)).not.toBeNaN();
    expect(data).toEqual({
      id: contactId,
      account_id: accountId,
      first_name: "Jane",
      last_name: "Doe",
      email: "Jane@Acme.com",
      title: "CTO",
      phone_number: "+14155550132",
      linkedin_url: "https://linkedin.com/in/jane",
      location: "Paris",
      source: "api",
      do_not_contact: false,
      notes: null,
      tags: ["VIP", "Warm Lead"],
      created_at: expect.any(String),
      updated_at: expect.any(String),
      [tier.key as string]: "gold",
      [score.key as string]: 7,
      enrichment: {
        status: "applied",
        provider: "builtin",
        enriched_at: "2026-01-02T03:04:05.000Z",
        fields: ["last_name", "title"],
      },
    });
    expect(Date.parse(data.created_at as string)).not.toBeNaN();
    expect(res.text).not.toContain("never shown");
  });

  it("accepts the id in upper case", async () => {
    const res = await api.call("GET", `/v1/contacts/${contactId.toUpperCase()}`, { key });
    expect(res.status).toBe(200);
    expect((res.body as DataBody).data.id).toBe(contactId);
  });

  it("gives the same 404 for another org's, unknown and malformed ids", async () => {
    const other = await createOrganization(api.db.prisma, { name: "Snoop" });
    const responses = await Promise.all([
      api.call("GET", `/v1/contacts/${contactId}`, { key: other.apiKey.secret }),
      api.call("GET", "/v1/contacts/0191f0c2-0000-7000-8000-000000000000", { key }),
      api.call("GET", "/v1/contacts/not-a-uuid", { key }),
    ]);
    for (const res of responses) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: { code: "not_found", message: "No contact with this id." } });
    }
  });

  it("requires an API key", async () => {
    const res = await api.call("GET", `/v1/contacts/${contactId}`);
    expect(res.status).toBe(401);
  });
});
