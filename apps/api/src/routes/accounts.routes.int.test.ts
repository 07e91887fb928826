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

const accountId = "0191f0c2-2222-7000-8000-000000000001";

describe("GET /v1/accounts/:id", () => {
  it("shows Monaco's AccountResponse with company info and the enrichment block", async () => {
    await api.db.prisma.account.create({
      data: {
        id: accountId,
        orgId,
        domain: "acme.com",
        name: "Acme",
        description: "Anvils and rockets",
        industries: ["Manufacturing", "Aerospace"],
        employeeCount: 250,
        foundedYear: 1949,
        linkedinUrl: "https://linkedin.com/company/acme",
        enrichmentStatus: "applied",
        enrichmentProvider: "builtin",
        enrichedAt: new Date("2026-01-02T03:04:05.000Z"),
      },
    });
    const res = await api.call("GET", `/v1/accounts/${accountId}`, { key });
    expect(res.status).toBe(200);
    const { data, meta } = res.body as { data: Record<string, unknown>; meta: { timestamp: string } };
    expect(Date.parse(meta.timestamp)).not.toBeNaN();
    expect(data).toEqual({
      id: accountId,
      name: "Acme",
      status: null,
      owner: null,
      notes: null,
      company: {
        domain: "acme.com",
        linkedin_url: "https://linkedin.com/company/acme",
        description: "Anvils and rockets",
        employee_count: 250,
        founded_year: 1949,
        industries: ["Manufacturing", "Aerospace"],
        total_funding_usd: null,
        last_funding_date: null,
      },
      tags: [],
      created_at: expect.any(String),
      updated_at: expect.any(String),
      enrichment: { status: "applied", provider: "builtin", enriched_at: "2026-01-02T03:04:05.000Z" },
    });
  });

  it("shows an account known only by its domain with nulls", async () => {
    const id = "0191f0c2-2222-7000-8000-000000000002";
    await api.db.prisma.account.create({ data: { id, orgId, domain: "globex.com" } });
    const res = await api.call("GET", `/v1/accounts/${id}`, { key });
    expect(res.status).toBe(200);
    expect((res.body as { data: unknown }).data).toMatchObject({
      name: null,
      company: { domain: "globex.com", industries: [], employee_count: null },
      enrichment: { status: "none", provider: null, enriched_at: null },
    });
  });

  it("gives the same 404 for another org's, unknown and malformed ids", async () => {
    const other = await createOrganization(api.db.prisma, { name: "Snoop" });
    const responses = await Promise.all([
      api.call("GET", `/v1/accounts/${accountId}`, { key: other.apiKey.secret }),
      api.call("GET", "/v1/accounts/0191f0c2-0000-7000-8000-000000000000", { key }),
      api.call("GET", "/v1/accounts/acme.com", { key }),
    ]);
    for (const res of responses) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: { code: "not_found", message: "No account with this id." } });
    }
  });
});
