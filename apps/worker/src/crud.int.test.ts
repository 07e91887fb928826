import { randomUUID } from "node:crypto";
import { createRedis, type Redis, upsertContactJob } from "@upsert/queue";
import { waitFor } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JobView, type Stack, startStack } from "./testing/start-stack";

// Issue 11, item 3: the CRUD Monaco has besides the upsert (POST /v1/contacts, PATCH and DELETE
// by id, for contacts and accounts), each an ordered, asynchronous request through the intake log,
// and the erasure that comes with deleting a contact. Real API and worker processes, this file's
// own database and queue prefix, the built-in provider (its answers are cached in Redis).

let stack: Stack;
let redis: Redis;

beforeAll(async () => {
  stack = await startStack({
    workers: 1,
    workerEnv: { ENRICHMENT_LATENCY_MS: "50", ORDERING_RETRY_DELAY_MS: "50" },
  });
  redis = createRedis(stack.workerEnv.REDIS_URL ?? "redis://127.0.0.1:6379", "worker");
}, 90_000);

afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

type Accepted = { data: { job_id: string; status: string; operation: string } };
type ErrorBody = { error: { code: string; message: string } };
type Contact = Record<string, unknown> & { id: string; account_id: string | null; tags: string[] };

const unique = () => randomUUID().slice(0, 8);

/** Sends one write and waits for its job (and any enrichment it owes) to finish. */
async function run(method: string, path: string, body?: unknown): Promise<JobView> {
  const res = await stack.call<Accepted>(method, path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return stack.finished(res.body.data.job_id);
}

async function accept(method: string, path: string, body?: unknown): Promise<string> {
  const res = await stack.call<Accepted>(method, path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.data.job_id;
}

/** Waits until the job is waiting for its turn (BullMQ's delayed set): it ran and was told to wait. */
async function waitForItsTurn(jobId: string): Promise<void> {
  const delayed = `${stack.workerEnv.QUEUE_PREFIX}:${upsertContactJob.queue}:delayed`;
  await waitFor(async () => (await redis.zscore(delayed, jobId)) !== null, {
    timeoutMs: 20_000,
    intervalMs: 20,
    message: `job ${jobId} never waited for its turn`,
  });
}

async function created(body: Record<string, unknown>): Promise<string> {
  const job = await run("POST", "/v1/contacts", body);
  expect(job.status, JSON.stringify(job)).toBe("succeeded");
  expect(job.result).toMatchObject({ action: "created" });
  return String(job.result?.contact_id);
}

async function getContact(id: string) {
  return stack.call<{ data: Contact } & ErrorBody>("GET", `/v1/contacts/${id}`);
}

describe("POST /v1/contacts", () => {
  it("creates a contact (202, then the job says created), and fails with conflict for an existing email or LinkedIn URL", async () => {
    const email = `ada-${unique()}@initech.io`;
    const linkedin = `https://linkedin.com/in/ada-${unique()}`;
    const id = await created({ email, linkedin_url: linkedin, first_name: "Ada" });
    expect((await getContact(id)).body.data).toMatchObject({ email, first_name: "Ada" });

    const byEmail = await run("POST", "/v1/contacts", { email: email.toUpperCase(), first_name: "Other" });
    expect(byEmail.status).toBe("failed");
    expect(byEmail.error).toMatchObject({ code: "conflict", details: { contact_id: id } });
    const byLinkedin = await run("POST", "/v1/contacts", {
      email: `x-${unique()}@initech.io`,
      linkedin_url: linkedin,
    });
    expect(byLinkedin.error).toMatchObject({ code: "conflict", details: { contact_id: id } });
    // Nothing was written by either: the contact is as created, and it is the only one.
    expect((await getContact(id)).body.data.first_name).toBe("Ada");
    expect(await stack.db.prisma.contact.count({ where: { linkedinCanonical: linkedin } })).toBe(1);
  });

  it("refuses a body without an identifier with 422 and records nothing", async () => {
    const before = await stack.db.prisma.intakeRequest.count();
    const res = await stack.call<ErrorBody>("POST", "/v1/contacts", { first_name: "Nobody" });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("unprocessable_entity");
    expect(await stack.db.prisma.intakeRequest.count()).toBe(before);
  });
});

describe("PATCH /v1/contacts/:id", () => {
  it("sets the fields sent, leaves the others, replaces the tags", async () => {
    const tags = await Promise.all(
      ["alpha", "beta"].map(async (name) => {
        const res = await stack.call<{ data: { id: string } }>("POST", "/v1/tags", {
          name: `${name} ${unique()}`,
          object: "contacts",
        });
        expect(res.status).toBe(200);
        return res.body.data.id;
      }),
    );
    const id = await created({
      email: `bo-${unique()}@initech.io`,
      first_name: "Bo",
      title: "CTO",
      tags: [tags[0]],
    });
    const job = await run("PATCH", `/v1/contacts/${id}`, { last_name: "Berg", tags: [tags[1]] });
    expect(job.status, JSON.stringify(job)).toBe("succeeded");
    expect(job.result).toMatchObject({ action: "updated", contact_id: id });
    const contact = (await getContact(id)).body.data;
    expect(contact).toMatchObject({ first_name: "Bo", last_name: "Berg", title: "CTO" });
    expect(contact.tags).toHaveLength(1);
    expect(contact.tags[0]).toMatch(/^beta /);
    expect((job.result as { contact: Contact }).contact.tags).toEqual(contact.tags);
  });

  it("fails with conflict when the new email belongs to another contact", async () => {
    const taken = `taken-${unique()}@initech.io`;
    await created({ email: taken });
    const id = await created({ email: `cy-${unique()}@initech.io` });
    const job = await run("PATCH", `/v1/contacts/${id}`, { email: taken });
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe("conflict");
    expect((await getContact(id)).body.data.email).not.toBe(taken);
  });

  it("answers 404 not_found at intake for an id the org does not have, and records nothing", async () => {
    const before = await stack.db.prisma.intakeRequest.count();
    for (const [method, path] of [
      ["PATCH", `/v1/contacts/${randomUUID()}`],
      ["DELETE", `/v1/contacts/${randomUUID()}`],
      ["PATCH", "/v1/contacts/not-a-uuid"],
      ["PATCH", `/v1/accounts/${randomUUID()}`],
      ["DELETE", `/v1/accounts/${randomUUID()}`],
    ] as const) {
      const body =
        method === "DELETE" ? undefined : path.includes("accounts") ? { name: "x" } : { title: "x" };
      const res = await stack.call<ErrorBody>(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    expect(await stack.db.prisma.intakeRequest.count()).toBe(before);
  });

  it("fails the job with not_found when a delete accepted before it removed the contact", async () => {
    const id = await created({ email: `di-${unique()}@initech.io` });
    // Held so that the delete cannot be written before the patch is accepted (the patch would then
    // be a 404 at intake, which another test covers).
    const release = await stack.holdIdentityLock(`contact:${id}`);
    const deleteJob = await accept("DELETE", `/v1/contacts/${id}`);
    const patchJob = await accept("PATCH", `/v1/contacts/${id}`, { first_name: "Late" });
    await release();
    expect((await stack.finished(deleteJob)).status).toBe("succeeded");
    const patched = await stack.finished(patchJob);
    expect(patched.status).toBe("failed");
    expect(patched.error?.code).toBe("not_found");
    expect((await getContact(id)).status).toBe(404);
  });
});

describe("DELETE /v1/contacts/:id", () => {
  it("deletes the contact: GET answers 404 and the job says deleted", async () => {
    const id = await created({ email: `ed-${unique()}@initech.io` });
    const job = await run("DELETE", `/v1/contacts/${id}`);
    expect(job).toMatchObject({ status: "succeeded", result: { action: "deleted", contact_id: id } });
    expect((await getContact(id)).status).toBe(404);
  });

  it("applies upsert, delete, upsert of one email in the order they were accepted", async () => {
    const email = `flo-${unique()}@initech.io`;
    const id = await created({ email, first_name: "Flo" });
    // The first upsert must still be unwritten, and hold no lock, when the delete runs: it waits
    // (claim check) behind an earlier request on a LinkedIn URL it also sends, whose write is held
    // on that URL's lock and then fails (unknown tag), so it changes nothing.
    const linkedin = `https://linkedin.com/in/flo-${unique()}`;
    const release = await stack.holdIdentityLock(`linkedin:${linkedin}`);
    const blocker = await accept("PUT", "/v1/contacts", {
      linkedin_url: linkedin,
      domain: "initech.io",
      tags: [randomUUID()],
    });
    const first = await accept("PUT", "/v1/contacts", {
      email,
      linkedin_url: linkedin,
      title: "Before the delete",
    });
    await waitForItsTurn(first);
    const deletion = await accept("DELETE", `/v1/contacts/${id}`);
    const second = await accept("PUT", "/v1/contacts", { email, first_name: "Flora" });
    // The delete waits for the first upsert, which it can only know by the contact's email as it
    // is when the delete writes (the upsert's own keys are its email and LinkedIn URL).
    await waitForItsTurn(deletion);
    await release();
    expect((await stack.finished(blocker)).error?.code).toBe("not_found");
    for (const job of [first, deletion, second]) await stack.finished(job);
    const [a, b, c] = await Promise.all([first, deletion, second].map((job) => stack.job(job)));
    // The first upsert updated the contact (its result is erased with it), the delete removed it,
    // and the second upsert, accepted after the delete, created a new one that keeps its data.
    expect(a).toMatchObject({
      status: "succeeded",
      result: { action: "updated", contact_id: id, erased: true },
    });
    expect(b).toMatchObject({ status: "succeeded", result: { action: "deleted", contact_id: id } });
    expect(c).toMatchObject({ status: "succeeded", result: { action: "created" } });
    const newId = String(c?.result?.contact_id);
    expect(newId).not.toBe(id);
    expect((await getContact(id)).status).toBe(404);
    const now = (await getContact(newId)).body.data;
    expect(now).toMatchObject({ email, first_name: "Flora" });
    expect(now.title).not.toBe("Before the delete");
  });
});

describe("PATCH and DELETE /v1/accounts/:id", () => {
  it("patches an account's fields, and a delete keeps its contacts with no account", async () => {
    const domain = `acct-${unique()}.com`;
    const ids = [
      await created({ email: `g1@${domain}`, first_name: "Gus" }),
      await created({ email: `g2@${domain}`, first_name: "Gwen" }),
    ];
    const accountId = (await getContact(ids[0] as string)).body.data.account_id;
    expect(accountId).toBeTruthy();
    expect((await getContact(ids[1] as string)).body.data.account_id).toBe(accountId);

    const patched = await run("PATCH", `/v1/accounts/${accountId}`, {
      name: "Renamed Inc",
      status: "PROSPECTING",
    });
    expect(patched.status, JSON.stringify(patched)).toBe("succeeded");
    const account = await stack.call<{ data: { name: string; status: string } }>(
      "GET",
      `/v1/accounts/${accountId}`,
    );
    expect(account.body.data).toMatchObject({ name: "Renamed Inc", status: "PROSPECTING" });
    const refused = await stack.call<ErrorBody>("PATCH", `/v1/accounts/${accountId}`, {
      domain: "other.com",
    });
    expect(refused.status).toBe(422);

    const deleted = await run("DELETE", `/v1/accounts/${accountId}`);
    expect(deleted).toMatchObject({
      status: "succeeded",
      result: { action: "deleted", account_id: accountId },
    });
    expect((await stack.call("GET", `/v1/accounts/${accountId}`)).status).toBe(404);
    for (const id of ids) {
      const contact = await getContact(id);
      expect(contact.status).toBe(200);
      expect(contact.body.data.account_id).toBeNull();
    }
  });
});

describe("erasure", () => {
  it("leaves no email, name or phone of a deleted contact in any endpoint, table or Redis key", async () => {
    const tag = unique();
    const email = `Zeb.Erasure-${tag}@initech.io`;
    const firstName = `Zebulonia${tag}`;
    const lastName = `Quaxworth${tag}`;
    const otherLastName = `Pringlebottom${tag}`;
    const phoneDigits = `415555${String(Math.floor(1000 + Math.random() * 8999))}`;
    const linkedin = `https://linkedin.com/in/zeb-${tag}`;
    const newEmail = `zeb.moved-${tag}@initrode.io`;
    const needles = [
      email,
      email.toLowerCase(),
      newEmail,
      firstName,
      lastName,
      otherLastName,
      phoneDigits,
      `zeb-${tag}`,
    ];

    // Its whole history: a create (enriched by the built-in provider, whose answer is cached), a
    // create refused as a conflict, a patch, an upsert, a re-enrichment, and a patch to a new
    // email, after which the refused create carries an email the contact no longer has.
    const id = await created({
      email,
      linkedin_url: linkedin,
      first_name: firstName,
      last_name: lastName,
      phone_number: `+1 ${phoneDigits}`,
    });
    const jobs = [
      await run("POST", "/v1/contacts", { email, first_name: firstName, last_name: otherLastName }),
      await run("PATCH", `/v1/contacts/${id}`, { last_name: otherLastName }),
      await run("PUT", "/v1/contacts", { email: email.toLowerCase(), title: "Head of Erasure" }),
      await run("POST", `/v1/contacts/${id}/enrich`),
      await run("PATCH", `/v1/contacts/${id}`, { email: newEmail }),
    ];
    expect(jobs.map((job) => job.status)).toEqual([
      "failed",
      "succeeded",
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
    const createJob = await stack.db.prisma.intakeRequest.findFirstOrThrow({
      where: { contactId: id, operation: "contact.create" },
    });
    const jobIds = [createJob.id, ...jobs.map((job) => job.id)];
    // The search finds the person before the delete, in the database and in Redis.
    expect((await databaseHits(needles)).length).toBeGreaterThan(0);
    expect((await redisHits(needles)).length).toBeGreaterThan(0);

    const deletion = await run("DELETE", `/v1/contacts/${id}`);
    expect(deletion.status).toBe("succeeded");

    expect(await databaseHits(needles)).toEqual([]);
    expect(await redisHits(needles)).toEqual([]);
    const answers = [
      await stack.call("GET", `/v1/contacts/${id}`),
      ...(await Promise.all(jobIds.map((jobId) => stack.call("GET", `/v1/jobs/${jobId}`)))),
      await stack.call("GET", `/v1/jobs/${deletion.id}`),
    ];
    for (const answer of answers) {
      const text = JSON.stringify(answer.body);
      for (const needle of needles) expect(text.toLowerCase()).not.toContain(needle.toLowerCase());
    }
    expect(answers[0]?.status).toBe(404);
    // The jobs are still there, marked erased, with what they did.
    expect((answers[1] as { body: { data: JobView } }).body.data.result).toMatchObject({
      erased: true,
      action: "created",
    });
  });
});

/** `table.column` of every text, varchar, json, jsonb and text[] column in which a needle occurs. */
async function databaseHits(needles: string[]): Promise<string[]> {
  const columns = await stack.db.prisma.$queryRaw<{ table_name: string; column_name: string }[]>`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = 'public'
      AND (data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED'))`;
  expect(columns.length).toBeGreaterThan(20);
  const hits: string[] = [];
  for (const { table_name, column_name } of columns) {
    const rows = await stack.db.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${table_name}" WHERE lower("${column_name}"::text) LIKE ANY ($1)`,
      [needles.map((needle) => `%${needle.toLowerCase()}%`)],
    );
    if (Number(rows.rows[0]?.n) > 0) hits.push(`${table_name}.${column_name}`);
  }
  return hits;
}

/** Every key under the stack's prefix whose name or value holds a needle. */
async function redisHits(needles: string[]): Promise<string[]> {
  const prefix = stack.workerEnv.QUEUE_PREFIX;
  const lowered = needles.map((needle) => needle.toLowerCase());
  const hits: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    for (const key of keys) {
      const text = `${key} ${JSON.stringify(await redisValueOf(key))}`.toLowerCase();
      if (lowered.some((needle) => text.includes(needle))) hits.push(key);
    }
  } while (cursor !== "0");
  return hits;
}

async function redisValueOf(key: string): Promise<unknown> {
  switch (await redis.type(key)) {
    case "string":
      return redis.get(key);
    case "hash":
      return redis.hgetall(key);
    case "set":
      return redis.smembers(key);
    case "zset":
      return redis.zrange(key, 0, -1);
    case "list":
      return redis.lrange(key, 0, -1);
    case "stream":
      return redis.xrange(key, "-", "+");
    default:
      return null;
  }
}
