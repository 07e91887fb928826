import { createUpsertClient, type UpsertClient, upsertContactAndWait } from "@upsert/client";
import { createDb, createOrganization, type Db } from "@upsert/db";
import {
  type AppProcess,
  createTestDatabase,
  startAppProcess,
  type TestDatabase,
  uniqueQueuePrefix,
  waitFor,
} from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountEnvelope } from "./accounts.openapi";
import { acceptedJobEnvelope, errorResponseSchema } from "./components";
import { contactEnvelope } from "./contacts.openapi";
import { customFieldEnvelope } from "./custom-fields.openapi";
import { jobEnvelope } from "./jobs.openapi";
import { fieldSchemaListEnvelope } from "./schemas.openapi";
import { tagEnvelope, tagListEnvelope } from "./tags.openapi";

// End to end through the generated client, as a user of packages/client would: the API and a
// worker as real processes. Every body is also parsed with the (strict) zod schema the document
// is built from, so the document cannot drift from what the API answers.
let database: TestDatabase;
let db: Db;
let api: AppProcess;
let worker: AppProcess;
let client: UpsertClient;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { maxConnections: 2 });
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: "redis://127.0.0.1:6379",
    QUEUE_PREFIX: uniqueQueuePrefix(),
  };
  api = startAppProcess("api", { ...env, PORT: "0", HOST: "127.0.0.1" });
  worker = startAppProcess("worker", {
    ...env,
    ENRICHMENT_LATENCY_MS: "50",
    DISPATCH_INTERVAL_MS: "200",
    DISPATCH_MIN_AGE_MS: "100",
  });
  const port = await waitFor(() => /"port":(\d+)[^\n]*api listening/.exec(api.output())?.[1], {
    timeoutMs: 30_000,
    intervalMs: 100,
    message: "api did not start",
  });
  await waitFor(() => worker.output().includes("worker started"), {
    timeoutMs: 30_000,
    intervalMs: 100,
    message: "worker did not start",
  });
  const { apiKey } = await createOrganization(db.prisma, { name: "Client" });
  client = createUpsertClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: apiKey.secret });
}, 90_000);

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await db?.close();
  await database?.drop();
});

/** Polls the job until it has finished, returning its (schema-checked) view. */
async function finishedJob(jobId: string) {
  return waitFor(
    async () => {
      const { data } = await client.GET("/v1/jobs/{job_id}", { params: { path: { job_id: jobId } } });
      const job = jobEnvelope.parse(data).data;
      return job.status === "succeeded" || job.status === "failed" ? job : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100, message: `job ${jobId} did not finish` },
  );
}

describe("packages/client against the running API and worker", () => {
  it("creates a tag and a custom field, upserts a contact with both, and reads it back", async () => {
    const tag = await client.POST("/v1/tags", {
      body: { object: "contacts", name: "Champion", color: "green" },
    });
    expect(tag.response.status).toBe(200);
    const tagId = tagEnvelope.parse(tag.data).data.id;

    const field = await client.POST("/v1/custom-fields", {
      body: {
        entity: "contacts",
        name: "Buying role",
        type: "enum",
        options: ["economic_buyer", "champion"],
      },
    });
    expect(field.response.status).toBe(201);
    const fieldKey = customFieldEnvelope.parse(field.data).data.key as `custom_field_${string}`;

    const customFields: Record<`custom_field_${string}`, string> = { [fieldKey]: "economic_buyer" };
    const accepted = await client.PUT("/v1/contacts", {
      params: { header: { "idempotency-key": "client-e2e-1" } },
      body: {
        email: "Jane@Acme.com",
        first_name: "Jane",
        last_name: "Smith",
        phone_number: "+1 415 555 0132",
        tags: [tagId],
        ...customFields,
      },
    });
    expect(accepted.response.status).toBe(202);
    const { job_id } = acceptedJobEnvelope.parse(accepted.data).data;
    expect(accepted.response.headers.get("location")).toBe(`/v1/jobs/${job_id}`);

    const job = await finishedJob(job_id);
    expect(job.status).toBe("succeeded");
    expect(job.result?.action).toBe("created");
    const contactId = job.result?.contact_id ?? "";

    const read = await client.GET("/v1/contacts/{contact_id}", {
      params: { path: { contact_id: contactId } },
    });
    expect(read.response.status).toBe(200);
    const contact = contactEnvelope.parse(read.data).data;
    expect(contact).toMatchObject({
      id: contactId,
      email: "Jane@Acme.com",
      first_name: "Jane",
      phone_number: "+14155550132",
      tags: ["Champion"],
      [fieldKey]: "economic_buyer",
    });
    // The typed data is the same object, without a cast.
    expect(read.data?.data.email).toBe("Jane@Acme.com");

    const again = await client.POST("/v1/contacts/{contact_id}/enrich", {
      params: { path: { contact_id: contactId } },
    });
    expect(again.response.status).toBe(202);
    expect((await finishedJob(acceptedJobEnvelope.parse(again.data).data.job_id)).status).toBe("succeeded");
  });

  it("upsertContactAndWait (the README's example) answers the finished job of an update", async () => {
    const job = await upsertContactAndWait(
      client,
      { email: "jane@acme.com", title: "VP of Engineering" },
      { idempotencyKey: "client-e2e-2" },
    );
    expect(job).toMatchObject({ status: "succeeded", result: { action: "updated" } });
    const contact = (job.result?.contact ?? {}) as { title?: string; first_name?: string };
    expect(contact).toMatchObject({ title: "VP of Engineering", first_name: "Jane" });
  });

  it("upserts and reads an account, and lists tags and the contact field schemas", async () => {
    const accepted = await client.PUT("/v1/accounts", {
      body: { domain: "https://www.globex.com", name: "Globex" },
    });
    expect(accepted.response.status).toBe(202);
    const job = await finishedJob(acceptedJobEnvelope.parse(accepted.data).data.job_id);
    expect(job.status).toBe("succeeded");
    const accountId = job.result?.account_id ?? "";

    const read = await client.GET("/v1/accounts/{account_id}", {
      params: { path: { account_id: accountId } },
    });
    expect(accountEnvelope.parse(read.data).data).toMatchObject({
      name: "Globex",
      company: { domain: "globex.com" },
    });

    const tags = await client.GET("/v1/tags", { params: { query: { object: "contacts" } } });
    expect(tagListEnvelope.parse(tags.data).data.map((tag) => tag.name)).toContain("Champion");

    const schemas = await client.GET("/v1/schemas/{entity}", { params: { path: { entity: "contacts" } } });
    const keys = fieldSchemaListEnvelope.parse(schemas.data).data.map((schema) => schema.key);
    expect(keys).toEqual(expect.arrayContaining(["email", "linkedin_url"]));
  });

  it("gets errors in the documented envelope, typed", async () => {
    const invalid = await client.PUT("/v1/contacts", { body: { first_name: "No identifier" } });
    expect(invalid.response.status).toBe(422);
    expect(errorResponseSchema.parse(invalid.error).error.code).toBe("unprocessable_entity");
    expect(invalid.error?.error.details).toEqual([
      { path: "", message: "Either email or linkedin_url is required." },
    ]);

    const missing = await client.GET("/v1/contacts/{contact_id}", {
      params: { path: { contact_id: "00000000-0000-4000-8000-000000000000" } },
    });
    expect(missing.response.status).toBe(404);
    expect(errorResponseSchema.parse(missing.error).error.code).toBe("not_found");
  });
});
