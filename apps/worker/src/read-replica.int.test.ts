import { randomUUID } from "node:crypto";
import { createDb, type Db } from "@upsert/db";
import { createTestDatabase, type TestDatabase } from "@upsert/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "./testing/start-stack";

// DATABASE_READ_URL's routing, proved by pointing it at a "replica" that is far behind: a second
// database holding only the org (and one tag written there alone). Whatever the API answers from
// it, it read there; whatever shows the caller's writes came from the primary.
let replica: TestDatabase;
let replicaDb: Db;
let stack: Stack;
const replicaTag = { id: randomUUID(), name: "Only on replica" };

beforeAll(async () => {
  replica = await createTestDatabase();
  replicaDb = createDb(replica.url, { maxConnections: 1 });
  stack = await startStack({ workers: 1, apiEnv: () => ({ DATABASE_READ_URL: replica.url }) });
  await replicaDb.prisma.organization.create({ data: { id: stack.orgId, name: "Stack" } });
  await replicaDb.prisma.tag.create({
    data: {
      ...replicaTag,
      orgId: stack.orgId,
      objectType: "contacts",
      nameNormalized: replicaTag.name.toLowerCase(),
    },
  });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  await replicaDb?.close();
  await replica?.drop();
});

const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.key}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { data: unknown } };
};

describe("with DATABASE_READ_URL", () => {
  it("answers the caller who waited from the primary, and plain reads from the read URL", async () => {
    // Prefer: wait: built from the primary, so the caller sees its own write.
    const waited = await send(
      "PUT",
      "/v1/contacts",
      { email: "rw@replica.io", first_name: "Rita" },
      {
        prefer: "wait=20",
      },
    );
    expect(waited.status).toBe(200);
    const contact = waited.body.data as { id: string; email: string };
    expect(contact.email).toBe("rw@replica.io");

    // The job, long-polled: the primary. Polled plainly: the read URL, which has not seen it.
    const put = await stack.put({ email: "later@replica.io" });
    await stack.finished(put.jobId);
    expect((await send("GET", `/v1/jobs/${put.jobId}`, undefined, { prefer: "wait=1" })).status).toBe(200);
    expect((await send("GET", `/v1/jobs/${put.jobId}`)).status).toBe(404);

    // Reads by id, lists and schemas: the read URL (the primary has the contact).
    expect(await stack.db.prisma.contact.count({ where: { id: contact.id } })).toBe(1);
    expect((await send("GET", `/v1/contacts/${contact.id}`)).status).toBe(404);
    const listed = await send("POST", "/v1/contacts/list", {});
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([]);
    expect((await send("GET", "/v1/schemas/contacts")).status).toBe(200);

    // Tags: written on the primary, listed from the read URL.
    const created = await send("POST", "/v1/tags", { name: "On primary", object: "contacts" });
    expect(created.status).toBe(200);
    const tags = await send("GET", "/v1/tags");
    expect((tags.body.data as { name: string }[]).map((t) => t.name)).toEqual([replicaTag.name]);
    expect((await send("GET", `/v1/tags/${replicaTag.id}`)).status).toBe(200);
    expect(await stack.db.prisma.tag.count({ where: { name: "On primary" } })).toBe(1);

    // Custom fields and accounts: written on the primary, read from the read URL.
    const field = await send("POST", "/v1/custom-fields", {
      entity: "contacts",
      name: "Score",
      type: "number",
    });
    expect(field.status).toBe(201);
    const fieldId = (field.body.data as { id: string }).id;
    expect((await send("GET", "/v1/custom-fields")).body.data).toEqual([]);
    expect((await send("GET", `/v1/custom-fields/${fieldId}`)).status).toBe(404);
    const account = await stack.db.prisma.account.findFirstOrThrow({ where: { domain: "replica.io" } });
    expect((await send("GET", `/v1/accounts/${account.id}`)).status).toBe(404);
  }, 60_000);
});
