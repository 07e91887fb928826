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

const put = (body: unknown, headers: Record<string, string> = {}) =>
  api.call("PUT", "/v1/accounts", { key, body, headers });

type ErrorBody = { error: { code: string; message: string; details?: { path: string; message: string }[] } };

describe("PUT /v1/accounts", () => {
  it("accepts an upsert by domain: 202 with a job, recorded with its registrable domain", async () => {
    const res = await put({ domain: "https://www.eu.Acme.co.uk/about", name: "Acme UK" });
    expect(res.status).toBe(202);
    const { data } = res.body as { data: { job_id: string; status: string; operation: string } };
    expect(data).toMatchObject({ status: "queued", operation: "account.upsert" });
    expect(res.headers.get("location")).toBe(`/v1/jobs/${data.job_id}`);
    const row = await api.db.prisma.intakeRequest.findUniqueOrThrow({ where: { id: data.job_id } });
    expect(row.payload).toEqual({ domain: "acme.co.uk", name: "Acme UK" });
    expect(row.identityKeys).toEqual(["account:acme.co.uk", "domain:acme.co.uk"]);
    expect(await api.producer.findJob(data.job_id)).toMatchObject({ id: data.job_id });
  });

  it("replays an idempotent repeat instead of recording it twice", async () => {
    const body = { domain: "initech.com", linkedin_url: "https://www.linkedin.com/company/Initech/" };
    const first = await put(body, { "idempotency-key": "acct-1" });
    const again = await put(body, { "idempotency-key": "acct-1" });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((again.body as { data: { job_id: string } }).data.job_id).toBe(
      (first.body as { data: { job_id: string } }).data.job_id,
    );
    const row = await api.db.prisma.intakeRequest.findFirstOrThrow({ where: { idempotencyKey: "acct-1" } });
    expect(row.payload).toEqual({
      domain: "initech.com",
      linkedin_url: "https://linkedin.com/company/initech",
    });
  });

  const refused: { name: string; body: unknown; status: number; code: string; paths: string[] }[] = [
    {
      name: "no domain",
      body: { name: "Acme" },
      status: 422,
      code: "unprocessable_entity",
      paths: ["domain"],
    },
    {
      name: "a domain that is not one",
      body: { domain: "localhost" },
      status: 422,
      code: "unprocessable_entity",
      paths: ["domain"],
    },
    {
      name: "a person's LinkedIn URL",
      body: { domain: "acme.com", linkedin_url: "https://linkedin.com/in/jane" },
      status: 422,
      code: "unprocessable_entity",
      paths: ["linkedin_url"],
    },
    {
      name: "fields this service does not keep for accounts, all named at once",
      body: {
        domain: "acme.com",
        owner: "0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f",
        tags: [],
        custom_field_0b6f3c1e_bad: 1,
        nmae: "x",
      },
      status: 422,
      code: "unprocessable_entity",
      paths: ["owner", "tags", "custom_field_0b6f3c1e_bad", "nmae"],
    },
    {
      name: "a body that is not an object",
      body: ["acme.com"],
      status: 422,
      code: "unprocessable_entity",
      paths: [""],
    },
  ];
  for (const { name, body, status, code, paths } of refused) {
    it(`refuses ${name} with ${status} ${code}, recording and enqueueing nothing`, async () => {
      const [before, pendingBefore] = [
        await api.db.prisma.intakeRequest.count(),
        await api.producer.countPending(),
      ];
      const res = await put(body);
      expect(res.status).toBe(status);
      const { error } = res.body as ErrorBody;
      expect(error.code).toBe(code);
      expect(error.details?.map((d) => d.path).sort()).toEqual([...paths].sort());
      for (const detail of error.details ?? []) expect(detail.message.length).toBeGreaterThan(10);
      expect(await api.db.prisma.intakeRequest.count()).toBe(before);
      expect(await api.producer.countPending()).toBe(pendingBefore);
    });
  }

  it("refuses a body that is not JSON with 415", async () => {
    const res = await api.call("PUT", "/v1/accounts", {
      key,
      rawBody: "domain=acme.com",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
    expect((res.body as ErrorBody).error.code).toBe("unsupported_media_type");
  });
});
