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

const put = (body: unknown, headers: Record<string, string> = {}) =>
  api.call("PUT", "/v1/contacts", { key, body, headers });

/** Nothing may be recorded or enqueued for a rejected request. */
async function expectNothingAccepted<T extends { status: number; body: unknown }>(
  run: () => Promise<T>,
): Promise<T> {
  const before = await api.db.prisma.intakeRequest.count();
  const pendingBefore = await api.producer.countPending();
  const res = await run();
  expect(await api.db.prisma.intakeRequest.count()).toBe(before);
  expect(await api.producer.countPending()).toBe(pendingBefore);
  return res;
}

type ErrorBody = { error: { code: string; message: string; details?: { path: string; message: string }[] } };

describe("PUT /v1/contacts accepts", () => {
  it("a valid upsert with 202, the job envelope and headers, visible in BullMQ and as a queued job", async () => {
    const res = await put({ email: "Jane@Acme.com", first_name: "Jane" });
    expect(res.status).toBe(202);
    const { data, meta } = res.body as { data: Record<string, unknown>; meta: { timestamp: string } };
    expect(data).toMatchObject({ status: "queued", operation: "contact.upsert" });
    const jobId = data.job_id as string;
    expect(jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(data.links).toEqual({ self: `/v1/jobs/${jobId}` });
    expect(Date.parse(data.created_at as string)).not.toBeNaN();
    expect(Date.parse(meta.timestamp)).not.toBeNaN();
    expect(res.headers.get("location")).toBe(`/v1/jobs/${jobId}`);
    expect(res.headers.get("retry-after")).toBe("1");

    const job = await api.producer.findJob(jobId);
    expect(job).toMatchObject({ id: jobId, data: { v: 1, requestId: jobId, orgId } });
    expect(["waiting", "prioritized"]).toContain(job?.state);

    const status = await api.call("GET", `/v1/jobs/${jobId}`, { key });
    expect(status.status).toBe(200);
    expect((status.body as { data: unknown }).data).toMatchObject({
      id: jobId,
      operation: "contact.upsert",
      status: "queued",
      stage: null,
      attempts: 0,
      started_at: null,
      finished_at: null,
      result: null,
      error: null,
    });

    const row = await api.db.prisma.intakeRequest.findUniqueOrThrow({ where: { id: jobId } });
    expect(row.payload).toEqual({ email: "Jane@Acme.com", first_name: "Jane" });
    expect(row.identityKeys).toEqual(["domain:acme.com", "email:jane@acme.com"]);
  });

  it("the trailing-slash path too", async () => {
    const res = await api.call("PUT", "/v1/contacts/", { key, body: { email: "slash@acme.com" } });
    expect(res.status).toBe(202);
  });

  it("gives later requests larger sequence numbers", async () => {
    const first = await put({ email: "seq1@acme.com" });
    const second = await put({ email: "seq2@acme.com" });
    const rows = await api.db.prisma.intakeRequest.findMany({
      where: {
        id: {
          in: [
            (first.body as ErrorBody & { data: { job_id: string } }).data.job_id,
            (second.body as { data: { job_id: string } }).data.job_id,
          ],
        },
      },
      orderBy: { createdAt: "asc" },
    });
    expect(rows).toHaveLength(2);
    expect(rows[0]?.seq).toBeLessThan(rows[1]?.seq ?? 0n);
  });
});

describe("PUT /v1/contacts rejects, recording and enqueueing nothing,", () => {
  const cases: { name: string; body: unknown; status: number; code: string; paths?: string[] }[] = [
    { name: "no identifier", body: { first_name: "Jane" }, status: 422, code: "unprocessable_entity" },
    {
      name: "blank identifiers",
      body: { email: "  ", linkedin_url: " " },
      status: 422,
      code: "unprocessable_entity",
    },
    {
      name: "linkedin_url alone without account_id or domain",
      body: { linkedin_url: "https://linkedin.com/in/jane" },
      status: 422,
      code: "unprocessable_entity",
    },
    {
      name: "an invalid email",
      body: { email: "not-an-email" },
      status: 422,
      code: "unprocessable_entity",
      paths: ["email"],
    },
    {
      name: "a LinkedIn company page",
      body: { linkedin_url: "https://www.linkedin.com/company/acme", domain: "acme.com" },
      status: 422,
      code: "unprocessable_entity",
      paths: ["linkedin_url"],
    },
    {
      name: "a non-UUID account_id",
      body: { email: "a@acme.com", account_id: "42" },
      status: 422,
      code: "unprocessable_entity",
      paths: ["account_id"],
    },
    {
      name: "a non-UUID tag",
      body: { email: "a@acme.com", tags: ["nope"] },
      status: 422,
      code: "unprocessable_entity",
    },
    {
      name: "more than 100 tags",
      body: {
        email: "a@acme.com",
        tags: Array.from({ length: 101 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`),
      },
      status: 422,
      code: "unprocessable_entity",
    },
    {
      name: "a non-boolean do_not_contact",
      body: { email: "a@acme.com", do_not_contact: "yes" },
      status: 422,
      code: "unprocessable_entity",
      paths: ["do_not_contact"],
    },
    {
      name: "an invalid domain",
      body: { email: "a@acme.com", domain: "not a domain" },
      status: 422,
      code: "unprocessable_entity",
      paths: ["domain"],
    },
    {
      name: "an over-long first_name",
      body: { email: "a@acme.com", first_name: "x".repeat(256) },
      status: 422,
      code: "unprocessable_entity",
      paths: ["first_name"],
    },
    {
      name: "an unknown key (typo)",
      body: { email: "a@acme.com", frist_name: "Jane" },
      status: 422,
      code: "unprocessable_entity",
      paths: ["frist_name"],
    },
    {
      name: "a custom field with an object value",
      body: { email: "a@acme.com", "custom_field_0b5c1f8e-4a61-4b7e-9a0e-1f2d3c4b5a69": { a: 1 } },
      status: 422,
      code: "unprocessable_entity",
      paths: ["custom_field_0b5c1f8e-4a61-4b7e-9a0e-1f2d3c4b5a69"],
    },
    { name: "a JSON array body", body: [{ email: "a@acme.com" }], status: 422, code: "unprocessable_entity" },
    { name: "a JSON string body", body: "a@acme.com", status: 422, code: "unprocessable_entity" },
    { name: "a JSON null body", body: null, status: 422, code: "unprocessable_entity" },
  ];

  for (const c of cases) {
    it(`${c.name} → ${c.status} ${c.code}`, async () => {
      const res = await expectNothingAccepted(() => put(c.body));
      expect(res.status).toBe(c.status);
      const body = res.body as ErrorBody;
      expect(body.error.code).toBe(c.code);
      expect(body.error.message.length).toBeGreaterThan(5);
      expect(Array.isArray(body.error.details)).toBe(true);
      for (const path of c.paths ?? []) expect(body.error.details?.map((d) => d.path)).toContain(path);
    });
  }

  it("every problem at once", async () => {
    const res = await expectNothingAccepted(() =>
      put({ email: "bad", account_id: "x", do_not_contact: 1, first_name: 7, colour: "red" }),
    );
    expect(res.status).toBe(422);
    const paths = (res.body as ErrorBody).error.details?.map((d) => d.path) ?? [];
    expect(paths).toEqual(
      expect.arrayContaining(["email", "account_id", "do_not_contact", "first_name", "colour"]),
    );
  });

  it("malformed JSON → 400 bad_request, JSON, no stack trace", async () => {
    const res = await expectNothingAccepted(() =>
      api.call("PUT", "/v1/contacts", {
        key,
        rawBody: '{"email": ',
        headers: { "content-type": "application/json" },
      }),
    );
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error.code).toBe("bad_request");
    expect(res.text).not.toMatch(/<html|at .*\.(js|ts):\d+/i);
  });

  it("a non-JSON content type → 415", async () => {
    const res = await expectNothingAccepted(() =>
      api.call("PUT", "/v1/contacts", {
        key,
        rawBody: "email=a@acme.com",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
    );
    expect(res.status).toBe(415);
    expect((res.body as ErrorBody).error.code).toBe("unsupported_media_type");
  });

  it("a body over 256 KiB → 413", async () => {
    const res = await expectNothingAccepted(() =>
      put({ email: "a@acme.com", location: "x".repeat(300 * 1024) }),
    );
    expect(res.status).toBe(413);
    expect((res.body as ErrorBody).error.code).toBe("payload_too_large");
    expect(res.text).not.toMatch(/<html/i);
  });

  it("an Idempotency-Key over 255 characters → 400", async () => {
    const res = await expectNothingAccepted(() =>
      put({ email: "a@acme.com" }, { "idempotency-key": "k".repeat(256) }),
    );
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error.code).toBe("bad_request");
  });
});

describe("authentication", () => {
  const cases: [string, Record<string, string>][] = [
    ["missing", {}],
    ["not bearer", { authorization: "Basic abc" }],
    ["malformed", { authorization: "Bearer mks_short" }],
    ["unknown", { authorization: `Bearer mks_${"A".repeat(48)}` }],
  ];
  for (const [name, headers] of cases) {
    it(`a ${name} key → 401 unauthorized, nothing recorded`, async () => {
      const res = await expectNothingAccepted(() =>
        api.call("PUT", "/v1/contacts", { body: { email: "a@acme.com" }, headers }),
      );
      expect(res.status).toBe(401);
      expect((res.body as ErrorBody).error.code).toBe("unauthorized");
    });
  }
});

describe("idempotency", () => {
  it("the same key and payload returns the original job, marked replayed", async () => {
    const first = await put({ email: "idem@acme.com", title: "CTO" }, { "idempotency-key": "order-1" });
    // Same normalised payload: key order and surrounding spaces do not matter.
    const again = await expectNothingAccepted(() =>
      put({ title: " CTO ", email: "idem@acme.com" }, { "idempotency-key": "order-1" }),
    );
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const id = (first.body as { data: { job_id: string } }).data.job_id;
    expect((again.body as { data: { job_id: string } }).data.job_id).toBe(id);
  });

  it("Monaco's idempotency_key body field works the same way", async () => {
    const first = await put({ email: "body-idem@acme.com", idempotency_key: "body-1" });
    const again = await put({ email: "body-idem@acme.com", idempotency_key: "body-1" });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((again.body as { data: { job_id: string } }).data.job_id).toBe(
      (first.body as { data: { job_id: string } }).data.job_id,
    );
  });

  it("the same key with a different payload → 422 idempotency_key_reused", async () => {
    await put({ email: "reuse@acme.com" }, { "idempotency-key": "order-2" });
    const res = await expectNothingAccepted(() =>
      put({ email: "other@acme.com" }, { "idempotency-key": "order-2" }),
    );
    expect(res.status).toBe(422);
    expect((res.body as ErrorBody).error.code).toBe("idempotency_key_reused");
  });

  it("concurrent requests with one key create exactly one job", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => put({ email: "race@acme.com" }, { "idempotency-key": "race-1" })),
    );
    const ids = new Set(results.map((r) => (r.body as { data: { job_id: string } }).data.job_id));
    expect(results.every((r) => r.status === 202)).toBe(true);
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(19);
  });

  it("a key is scoped to its organization", async () => {
    const other = await createOrganization(api.db.prisma, { name: "Other" });
    const mine = await put({ email: "scope@acme.com" }, { "idempotency-key": "shared" });
    const theirs = await api.call("PUT", "/v1/contacts", {
      key: other.apiKey.secret,
      body: { email: "scope@acme.com" },
      headers: { "idempotency-key": "shared" },
    });
    expect(theirs.status).toBe(202);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect((theirs.body as { data: { job_id: string } }).data.job_id).not.toBe(
      (mine.body as { data: { job_id: string } }).data.job_id,
    );
  });
});

describe("GET /v1/jobs/:id", () => {
  it("gives the same 404 for unknown, malformed and other orgs' jobs", async () => {
    const accepted = await put({ email: "private@acme.com" });
    const jobId = (accepted.body as { data: { job_id: string } }).data.job_id;
    const other = await createOrganization(api.db.prisma, { name: "Snoop" });
    const responses = await Promise.all([
      api.call("GET", `/v1/jobs/${jobId}`, { key: other.apiKey.secret }),
      api.call("GET", "/v1/jobs/0191f0c2-0000-7000-8000-000000000000", { key }),
      api.call("GET", "/v1/jobs/not-a-uuid", { key }),
    ]);
    for (const res of responses) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: { code: "not_found", message: "No job with this id." } });
    }
  });
});

describe("health", () => {
  it("/healthz answers without a key", async () => {
    const res = await api.call("GET", "/healthz");
    expect(res.status).toBe(200);
  });
});

describe("GET /metrics", () => {
  const scrape = async () => {
    const res = await fetch(`${api.metricsUrl}/metrics`);
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  it("is not served on the public port", async () => {
    expect((await api.call("GET", "/metrics")).status).toBe(404);
  });

  it("counts requests by method, route pattern and status, on the metrics port", async () => {
    const before = await scrape();
    const count = (text: string, series: string) =>
      Number(
        text
          .split("\n")
          .find((line) => line.startsWith(`${series} `))
          ?.slice(series.length + 1) ?? 0,
      );
    const accepted = 'upsert_http_requests_total{method="PUT",route="/v1/contacts",status="202"}';
    const refused = 'upsert_http_requests_total{method="PUT",route="/v1/contacts",status="422"}';
    await put({ email: "metrics@acme.com" });
    await put({ first_name: "No identifier" });
    const after = await scrape();
    expect(after.status).toBe(200);
    expect(after.headers.get("content-type")).toContain("text/plain");
    expect(count(after.text, accepted) - count(before.text, accepted)).toBe(1);
    expect(count(after.text, refused) - count(before.text, refused)).toBe(1);
    expect(after.text).toContain("upsert_http_request_duration_seconds_bucket");
    expect(after.text).toContain("process_cpu_seconds_total");
    // Route patterns, never raw paths: ids do not become series.
    await api.call("GET", "/v1/jobs/0191f0c2-2222-7000-8000-0000000000aa", { key });
    expect((await scrape()).text).toContain('route="/v1/jobs/:id"');
  });
});
