import { createOrganization } from "@upsert/db";
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../testing/start-test-api";

// Batch acceptance on the real Postgres and Redis, without workers: what the 202 says, what is
// recorded (intake rows, jobs in Redis), and what is refused as a whole. Processing is in
// apps/worker/src/batch.int.test.ts.
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
    batchMaxBytes: 6 * 1024 * 1024,
    batchMaxItems: 1_000,
  });
  const created = await createOrganization(api.db.prisma, { name: "Batcher" });
  key = created.apiKey.secret;
  orgId = created.org.id;
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
});

interface Accepted {
  batch_id: string;
  status: string;
  accepted: number;
  rejected: { index: number; error: { code: string; message: string; details: unknown } }[];
  links: { self: string; items: string };
}

const intakeRows = () => api.db.prisma.intakeRequest.count({ where: { orgId } });
const batchRows = () => api.db.prisma.batch.count({ where: { orgId } });

describe("POST /v1/contacts/batch", () => {
  it("accepts the valid items, lists every invalid one with its index and problems, and records items in order", async () => {
    const res = await api.call("POST", "/v1/contacts/batch", {
      key,
      body: {
        items: [
          { email: "ann@acme.com", first_name: "Ann" },
          { email: "not-an-email", phone_number: 12 },
          { email: "bob@acme.com" },
          "a string",
          { email: "ann@acme.com", title: "CTO" },
          { email: "carl@acme.com", idempotency_key: "mine" },
        ],
      },
    });
    expect(res.status).toBe(202);
    const data = (res.body as { data: Accepted }).data;
    expect(res.headers.get("location")).toBe(`/v1/batches/${data.batch_id}`);
    expect(data.status).toBe("queued");
    expect(data.accepted).toBe(3);
    expect(data.links).toEqual({
      self: `/v1/batches/${data.batch_id}`,
      items: `/v1/batches/${data.batch_id}/items`,
    });
    expect(data.rejected.map((item) => item.index)).toEqual([1, 3, 5]);
    for (const item of data.rejected) expect(item.error.code).toBe("unprocessable_entity");
    const firstDetails = (data.rejected[0]?.error.details ?? []) as { path: string }[];
    const paths = firstDetails.map((detail) => detail.path);
    expect(paths).toEqual(expect.arrayContaining(["email", "phone_number"]));
    expect(data.rejected[2]?.error.details).toEqual([expect.objectContaining({ path: "idempotency_key" })]);

    const rows = await api.db.prisma.intakeRequest.findMany({
      where: { batchId: data.batch_id },
      orderBy: { seq: "asc" },
    });
    expect(rows.map((row) => row.batchIndex)).toEqual([0, 2, 4]);
    expect(rows.map((row) => (row.payload as { email: string }).email)).toEqual([
      "ann@acme.com",
      "bob@acme.com",
      "ann@acme.com",
    ]);
    // Each item is a job like a single request's: in Redis under its intake row's id, ranked in
    // its org's backlog (fairness between organisations), so waiting in BullMQ's prioritized set.
    for (const row of rows) {
      const job = await api.producer.findJob(row.id);
      expect(job?.state).toBe("prioritized");
    }
  });

  it("refuses a malformed batch as a whole (422 in the envelope) and records nothing", async () => {
    const [intakeBefore, batchesBefore] = [await intakeRows(), await batchRows()];
    const cases: unknown[] = [
      [{ email: "a@b.com" }],
      { items: [] },
      { items: "nope" },
      { items: [{ email: "a@b.com" }], extra: 1 },
      { items: Array.from({ length: 1_001 }, (_, i) => ({ email: `p${i}@acme.com` })) },
    ];
    for (const body of cases) {
      const res = await api.call("POST", "/v1/contacts/batch", { key, body });
      expect(res.status).toBe(422);
      expect((res.body as { error: { code: string } }).error.code).toBe("unprocessable_entity");
    }
    expect(await intakeRows()).toBe(intakeBefore);
    expect(await batchRows()).toBe(batchesBefore);
  });

  it("refuses a body over 6 MiB with 413 in the envelope and records nothing", async () => {
    const before = await intakeRows();
    const filler = "x".repeat(7_000);
    const items = Array.from({ length: 1_000 }, (_, i) => ({ email: `big${i}@acme.com`, notes: filler }));
    const res = await api.call("POST", "/v1/contacts/batch", { key, body: { items } });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      error: { code: "payload_too_large", message: "The request body is larger than the 6 MiB limit." },
    });
    expect(await intakeRows()).toBe(before);
  });

  it("accepts 1,000 items in one batch, each its own job", async () => {
    const items = Array.from({ length: 1_000 }, (_, i) => ({ email: `k${i}@acme.com` }));
    const res = await api.call("POST", "/v1/contacts/batch", { key, body: { items } });
    expect(res.status).toBe(202);
    const data = (res.body as { data: Accepted }).data;
    expect(data.accepted).toBe(1_000);
    expect(await api.db.prisma.intakeRequest.count({ where: { batchId: data.batch_id } })).toBe(1_000);
  });

  it("replays a batch sent again with the same key, and refuses the key with different items", async () => {
    const body = { items: [{ email: "replay@acme.com" }, { email: "bad" }], idempotency_key: "import-1" };
    const first = await api.call("POST", "/v1/contacts/batch", { key, body });
    expect(first.status).toBe(202);
    const before = await intakeRows();
    const again = await api.call("POST", "/v1/contacts/batch", { key, body });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const [a, b] = [(first.body as { data: Accepted }).data, (again.body as { data: Accepted }).data];
    expect(b.batch_id).toBe(a.batch_id);
    expect(b.rejected).toEqual(a.rejected);
    expect(b.accepted).toBe(1);
    // The header names the same key.
    const byHeader = await api.call("POST", "/v1/contacts/batch", {
      key,
      body: { items: body.items },
      headers: { "idempotency-key": "import-1" },
    });
    expect((byHeader.body as { data: Accepted }).data.batch_id).toBe(a.batch_id);
    expect(await intakeRows()).toBe(before);

    const changed = await api.call("POST", "/v1/contacts/batch", {
      key,
      body: { items: [{ email: "other@acme.com" }], idempotency_key: "import-1" },
    });
    expect(changed.status).toBe(422);
    expect(changed.body).toMatchObject({
      error: { code: "idempotency_key_reused", details: { batch_id: a.batch_id } },
    });
    expect(await intakeRows()).toBe(before);
  });
});

describe("POST /v1/accounts/batch", () => {
  it("validates each item with the account parser", async () => {
    const res = await api.call("POST", "/v1/accounts/batch", {
      key,
      body: { items: [{ domain: "acme.com", name: "Acme" }, { name: "no domain" }] },
    });
    expect(res.status).toBe(202);
    const data = (res.body as { data: Accepted }).data;
    expect(data.accepted).toBe(1);
    expect(data.rejected).toEqual([
      { index: 1, error: expect.objectContaining({ code: "unprocessable_entity" }) },
    ]);
    const rows = await api.db.prisma.intakeRequest.findMany({ where: { batchId: data.batch_id } });
    expect(rows.map((row) => row.operation)).toEqual(["account.upsert"]);
  });
});

describe("GET /v1/batches/:id", () => {
  it("is scoped to the organisation: another org's batch is not found", async () => {
    const res = await api.call("POST", "/v1/contacts/batch", {
      key,
      body: { items: [{ email: "x@acme.com" }] },
    });
    const { batch_id } = (res.body as { data: Accepted }).data;
    const mine = await api.call("GET", `/v1/batches/${batch_id}`, { key });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ data: { id: batch_id, status: "queued", counts: { queued: 1 } } });
    const other = (await createOrganization(api.db.prisma, { name: "Other" })).apiKey.secret;
    for (const path of [`/v1/batches/${batch_id}`, `/v1/batches/${batch_id}/items`, "/v1/batches/nope"]) {
      const res404 = await api.call("GET", path, { key: path.includes("nope") ? key : other });
      expect(res404.status).toBe(404);
      expect((res404.body as { error: { code: string } }).error.code).toBe("not_found");
    }
  });
});
