// Proves the hand-written migration matches schema.prisma: an empty database migrated by the runner
// serves every model through the generated client, and enforces the schema's unique indexes,
// defaults and foreign keys.
import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "./create-db";
import { createEmptyDatabase, type EmptyDatabase } from "./empty-database.fixture";
import { migrate } from "./migrations";

let database: EmptyDatabase;
let db: Db;

beforeAll(async () => {
  database = await createEmptyDatabase();
  await migrate(database.url);
  db = createDb(database.url, { maxConnections: 2 });
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const uniqueViolation = { code: "P2002" };

async function createOrganization(name = "Acme") {
  return db.prisma.organization.create({ data: { id: randomUUID(), name } });
}

describe("schema", () => {
  it("stores and reads every model with its relations, defaults and JSON", async () => {
    const { prisma } = db;
    const org = await createOrganization();
    expect(org.createdAt).toBeInstanceOf(Date);

    const apiKey = await prisma.apiKey.create({
      data: { id: randomUUID(), orgId: org.id, name: "ci", prefix: "mks_Ab3dE9", secretHash: "a".repeat(64) },
    });
    expect(apiKey).toMatchObject({ lastUsedAt: null, revokedAt: null });
    await prisma.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: new Date() } });

    const account = await prisma.account.create({
      data: {
        id: randomUUID(),
        orgId: org.id,
        domain: "acme.com",
        name: "Acme",
        description: "Rockets",
        industries: ["aerospace", "retail"],
        employeeCount: 120,
        foundedYear: 1949,
        linkedinUrl: "https://linkedin.com/company/acme",
        fieldProvenance: { name: { seq: 1, source: "request" } },
      },
    });
    expect(account).toMatchObject({ enrichmentStatus: "none", industries: ["aerospace", "retail"] });

    const customField = await prisma.customField.create({
      data: {
        id: randomUUID(),
        orgId: org.id,
        entity: "contacts",
        name: "Tier",
        type: "enum",
        options: ["a", "b"],
      },
    });
    const customFields = {
      [`custom_field_${customField.id}`]: "a",
      [`custom_field_${randomUUID()}`]: 3.5,
      [`custom_field_${randomUUID()}`]: true,
      [`custom_field_${randomUUID()}`]: null,
    };
    const contact = await prisma.contact.create({
      data: {
        id: randomUUID(),
        orgId: org.id,
        email: "Ada@Acme.com",
        emailNormalized: "ada@acme.com",
        linkedinUrl: "https://www.linkedin.com/in/Ada/",
        linkedinCanonical: "https://linkedin.com/in/ada",
        firstName: "Ada",
        lastName: "Lovelace",
        title: "Engineer",
        phoneNumber: "+14155550100",
        location: "London",
        source: "api",
        accountId: account.id,
        customFields,
        fieldProvenance: { email: { seq: 1, source: "request" }, title: { seq: null, source: "enrichment" } },
        createdSeq: 1n,
        enrichmentStatus: "pending",
        enrichedFields: ["title"],
      },
    });
    expect(contact).toMatchObject({ doNotContact: false, customFields, createdSeq: 1n });

    const tag = await prisma.tag.create({
      data: {
        id: randomUUID(),
        orgId: org.id,
        objectType: "contacts",
        name: "VIP",
        nameNormalized: "vip",
        color: "#f00",
      },
    });
    await prisma.contactTag.create({ data: { contactId: contact.id, tagId: tag.id } });

    const first = await prisma.intakeRequest.create({
      data: {
        id: randomUUID(),
        orgId: org.id,
        operation: "contact.upsert",
        payload: { email: "Ada@Acme.com", tags: [tag.id] },
        identityKeys: ["email:ada@acme.com", "domain:acme.com"],
        idempotencyKey: "key-1",
        payloadHash: "b".repeat(64),
      },
    });
    const second = await prisma.intakeRequest.create({
      data: {
        id: randomUUID(),
        orgId: org.id,
        operation: "contact.upsert",
        payload: {},
        identityKeys: [],
        payloadHash: "c".repeat(64),
        status: "failed",
        stage: "resolving_account",
        error: { code: "unprocessable_entity", message: "no" },
      },
    });
    expect(first).toMatchObject({ status: "queued", stage: null, attempts: 0, writtenAt: null });
    expect(typeof first.seq).toBe("bigint");
    expect(second.seq).toBeGreaterThan(first.seq);

    // The GIN-indexed array answers "which requests share a key" with the && operator.
    const sharing = await prisma.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM intake_requests WHERE identity_keys && ARRAY['email:ada@acme.com']::text[]`;
    expect(sharing.map((row) => row.id)).toEqual([first.id]);

    const loaded = await prisma.organization.findUniqueOrThrow({
      where: { id: org.id },
      include: {
        apiKeys: true,
        accounts: { include: { contacts: true } },
        contacts: { include: { tags: { include: { tag: true } }, account: true } },
        tags: true,
        customFields: true,
        intake: { orderBy: { seq: "asc" } },
      },
    });
    expect(loaded.apiKeys[0]?.lastUsedAt).toBeInstanceOf(Date);
    expect(loaded.accounts[0]?.contacts.map((c) => c.id)).toEqual([contact.id]);
    expect(loaded.contacts[0]?.tags.map((t) => t.tag.name)).toEqual(["VIP"]);
    expect(loaded.contacts[0]?.account?.domain).toBe("acme.com");
    expect(loaded.customFields[0]?.options).toEqual(["a", "b"]);
    expect(loaded.intake.map((request) => request.identityKeys)).toEqual([
      ["email:ada@acme.com", "domain:acme.com"],
      [],
    ]);
  });

  it("keeps identifiers unique per organisation and lets absent ones repeat", async () => {
    const { prisma } = db;
    const org = await createOrganization();
    const other = await createOrganization("Other");
    const contact = (orgId: string, data: { emailNormalized?: string; linkedinCanonical?: string } = {}) =>
      prisma.contact.create({ data: { id: randomUUID(), orgId, ...data } });

    await contact(org.id, { emailNormalized: "ada@acme.com" });
    await expect(contact(org.id, { emailNormalized: "ada@acme.com" })).rejects.toMatchObject(uniqueViolation);
    await contact(other.id, { emailNormalized: "ada@acme.com" });

    await contact(org.id, { linkedinCanonical: "https://linkedin.com/in/ada" });
    await expect(contact(org.id, { linkedinCanonical: "https://linkedin.com/in/ada" })).rejects.toMatchObject(
      uniqueViolation,
    );

    // NULLs are distinct in these indexes: contacts without an email never collide.
    await contact(org.id);
    await contact(org.id);
    expect(await prisma.contact.count({ where: { orgId: org.id, emailNormalized: null } })).toBe(3);

    const account = (orgId: string, domain: string | null) =>
      prisma.account.create({ data: { id: randomUUID(), orgId, domain } });
    await account(org.id, "acme.com");
    await expect(account(org.id, "acme.com")).rejects.toMatchObject(uniqueViolation);
    await account(other.id, "acme.com");
    await account(org.id, null);
    await account(org.id, null);

    const tag = (name: string, objectType = "contacts") =>
      prisma.tag.create({
        data: { id: randomUUID(), orgId: org.id, objectType, name, nameNormalized: name.toLowerCase() },
      });
    await tag("Customer");
    await expect(tag("CUSTOMER")).rejects.toMatchObject(uniqueViolation);
    await tag("CUSTOMER", "accounts");

    const customField = (name: string) =>
      prisma.customField.create({
        data: { id: randomUUID(), orgId: org.id, entity: "contacts", name, type: "string" },
      });
    await customField("Tier");
    await expect(customField("Tier")).rejects.toMatchObject(uniqueViolation);

    const intake = (idempotencyKey: string | null) =>
      prisma.intakeRequest.create({
        data: {
          id: randomUUID(),
          orgId: org.id,
          operation: "contact.upsert",
          payload: {},
          identityKeys: [],
          idempotencyKey,
          payloadHash: "d".repeat(64),
        },
      });
    await intake("same-key");
    await expect(intake("same-key")).rejects.toMatchObject(uniqueViolation);
    await intake(null);
    await intake(null);

    const secret = "e".repeat(64);
    const apiKey = () =>
      prisma.apiKey.create({
        data: { id: randomUUID(), orgId: org.id, name: "k", prefix: "mks_x", secretHash: secret },
      });
    await apiKey();
    await expect(apiKey()).rejects.toMatchObject(uniqueViolation);
  });

  it("follows the schema's onDelete rules", async () => {
    const { prisma } = db;
    const org = await createOrganization();
    const account = await prisma.account.create({
      data: { id: randomUUID(), orgId: org.id, domain: "a.io" },
    });
    const contact = await prisma.contact.create({
      data: { id: randomUUID(), orgId: org.id, accountId: account.id },
    });
    const tag = await prisma.tag.create({
      data: { id: randomUUID(), orgId: org.id, objectType: "contacts", name: "T", nameNormalized: "t" },
    });
    await prisma.contactTag.create({ data: { contactId: contact.id, tagId: tag.id } });

    await prisma.account.delete({ where: { id: account.id } });
    expect((await prisma.contact.findUniqueOrThrow({ where: { id: contact.id } })).accountId).toBeNull();

    await prisma.tag.delete({ where: { id: tag.id } });
    expect(await prisma.contactTag.count({ where: { contactId: contact.id } })).toBe(0);

    await prisma.organization.delete({ where: { id: org.id } });
    expect(await prisma.contact.count({ where: { orgId: org.id } })).toBe(0);
  });

  it("records email conflicts against both contacts and forgets them with the contact", async () => {
    const { prisma } = db;
    const org = await createOrganization();
    const kept = await prisma.contact.create({
      data: { id: randomUUID(), orgId: org.id, email: "dup@acme.com", emailNormalized: "dup@acme.com" },
    });
    const duplicate = await prisma.contact.create({
      data: {
        id: randomUUID(),
        orgId: org.id,
        email: "dup@ａｃｍｅ.com",
        emailNormalized: "dup@ａｃｍｅ.com",
      },
    });
    const conflict = await prisma.contactEmailConflict.create({
      data: {
        contactId: duplicate.id,
        orgId: org.id,
        reason: "collision",
        emailNormalized: "dup@acme.com",
        keptContactId: kept.id,
      },
      include: { contact: true, keptContact: true },
    });
    expect(conflict.detectedAt).toBeInstanceOf(Date);
    expect(conflict.contact.email).toBe("dup@ａｃｍｅ.com");
    expect(conflict.keptContact?.id).toBe(kept.id);

    // Deleting the kept contact frees the form; deleting the duplicate resolves the conflict.
    await prisma.contact.delete({ where: { id: kept.id } });
    expect(
      (await prisma.contactEmailConflict.findUniqueOrThrow({ where: { contactId: duplicate.id } }))
        .keptContactId,
    ).toBeNull();
    await prisma.contact.delete({ where: { id: duplicate.id } });
    expect(await prisma.contactEmailConflict.count({ where: { orgId: org.id } })).toBe(0);

    // The runner's bookkeeping: the email migration ran (on an empty database, changing nothing).
    const ran = await prisma.dataMigration.findUniqueOrThrow({
      where: { name: "20261201020000_email_domain_normalisation" },
    });
    expect(ran.finishedAt).toBeInstanceOf(Date);
    expect(ran.report).toMatchObject({ counts: { contactsRenormalised: 0, contactCollisions: 0 } });
  });

  it("uses timestamptz(3) for every timestamp and uuid for every id, as schema.prisma declares", async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ column: string; type: string }>(
        `SELECT table_name || '.' || column_name AS column,
                data_type || coalesce('(' || datetime_precision || ')', '') AS type
           FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
            AND (data_type LIKE 'timestamp%' OR column_name = 'id' OR column_name LIKE '%_id')`,
      );
      expect(rows.length).toBeGreaterThan(20);
      const unexpected = rows.filter((row) =>
        row.column.endsWith("_at") ? row.type !== "timestamp with time zone(3)" : row.type !== "uuid",
      );
      expect(unexpected).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it("has Prisma's index names plus the partial indexes of the intake log", async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ indexname: string; indexdef: string }>(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname",
      );
      const names = rows.map((row) => row.indexname);
      expect(names).toEqual(
        expect.arrayContaining([
          "api_keys_secret_hash_key",
          "api_keys_org_id_idx",
          "accounts_org_id_domain_key",
          "contacts_org_id_email_normalized_key",
          "contacts_org_id_linkedin_canonical_key",
          "contacts_account_id_idx",
          "tags_org_id_object_type_name_normalized_key",
          "contact_tags_pkey",
          "contact_tags_tag_id_contact_id_idx",
          "custom_fields_org_id_entity_name_key",
          "intake_requests_seq_key",
          "intake_requests_org_id_idempotency_key_key",
          "intake_request_keys_pkey",
          "intake_request_keys_request_id_idx",
          "dispatcher_leases_pkey",
          "data_migrations_pkey",
          "contact_email_conflicts_pkey",
          "contact_email_conflicts_org_id_idx",
          "contacts_org_id_created_at_id_idx",
          "contacts_org_id_updated_at_id_idx",
          "accounts_org_id_created_at_id_idx",
          "accounts_org_id_updated_at_id_idx",
          "webhook_endpoints_org_id_idx",
          "webhook_deliveries_seq_key",
          "webhook_deliveries_endpoint_id_created_at_idx",
        ]),
      );
      const definition = (name: string) => rows.find((row) => row.indexname === name)?.indexdef;
      expect(definition("intake_requests_unfinished_idx")).toMatch(/\(seq\) WHERE \(status = ANY/);
      expect(definition("intake_requests_enrichment_due_idx")).toMatch(
        /\(seq\) WHERE \(enrichment_due_at IS NOT NULL\)/,
      );
      expect(definition("intake_requests_finished_at_idx")).toMatch(
        /\(finished_at\) WHERE \(finished_at IS NOT NULL\)/,
      );
      expect(definition("webhook_deliveries_unqueued_idx")).toMatch(
        /\(seq\) WHERE \(\(status = 'pending'::text\) AND \(enqueued_at IS NULL\)\)/,
      );
      expect(definition("webhook_deliveries_pending_idx")).toMatch(
        /\(seq\) WHERE \(status = 'pending'::text\)/,
      );
      expect(names).not.toContain("intake_requests_identity_keys_idx");
      // Replaced by (tag_id, contact_id), which serves what it served.
      expect(names).not.toContain("contact_tags_tag_id_idx");
    } finally {
      await client.end();
    }
  });

  it("keeps the ordering index: the ordering keys of exactly the unwritten requests", async () => {
    const { prisma } = db;
    const org = await createOrganization("Ordering");
    const request = await prisma.intakeRequest.create({
      data: {
        id: randomUUID(),
        orgId: org.id,
        operation: "contact.upsert",
        payload: { email: "kim@acme.com" },
        payloadHash: "c".repeat(64),
        identityKeys: ["domain:acme.com", "email:kim@acme.com", "linkedin:https://linkedin.com/in/kim"],
      },
    });
    const keysOf = async () =>
      (
        await prisma.intakeRequestKey.findMany({ where: { requestId: request.id }, orderBy: { key: "asc" } })
      ).map((row) => [row.key, row.seq]);
    // Domain keys lock but do not order: they are left out.
    expect(await keysOf()).toEqual([
      ["email:kim@acme.com", request.seq],
      ["linkedin:https://linkedin.com/in/kim", request.seq],
    ]);
    await prisma.intakeRequest.update({ where: { id: request.id }, data: { status: "running" } });
    expect(await keysOf()).toHaveLength(2);
    await prisma.intakeRequest.update({
      where: { id: request.id },
      data: { identityKeys: ["email:kim@acme.com"] },
    });
    expect(await keysOf()).toEqual([["email:kim@acme.com", request.seq]]);
    await prisma.intakeRequest.update({
      where: { id: request.id },
      data: { status: "succeeded", writtenAt: new Date() },
    });
    expect(await keysOf()).toEqual([]);

    const failed = await prisma.intakeRequest.create({
      data: {
        id: randomUUID(),
        orgId: org.id,
        operation: "contact.upsert",
        payload: {},
        payloadHash: "d".repeat(64),
        identityKeys: ["email:lou@acme.com"],
      },
    });
    await prisma.intakeRequest.update({ where: { id: failed.id }, data: { status: "failed" } });
    expect(await prisma.intakeRequestKey.count({ where: { requestId: failed.id } })).toBe(0);
  });

  it("serves a dispatcher lease", async () => {
    const lease = await db.prisma.dispatcherLease.create({
      data: { name: "test", holder: "me", expiresAt: new Date(Date.now() + 1_000) },
    });
    expect(lease).toMatchObject({ name: "test", holder: "me" });
  });

  it("stores webhooks and their deliveries, refuses unknown statuses, and forgets them with the org", async () => {
    const { prisma } = db;
    const org = await createOrganization("Hooks");
    const endpoint = await prisma.webhookEndpoint.create({
      data: {
        id: randomUUID(),
        orgId: org.id,
        url: "https://example.com/h",
        events: ["job.failed"],
        secret: "whsec_x",
      },
    });
    expect(endpoint).toMatchObject({ status: "active", disabledReason: null, firstFailedAt: null });
    const delivery = await prisma.webhookDelivery.create({
      data: {
        id: randomUUID(),
        endpointId: endpoint.id,
        orgId: org.id,
        eventId: randomUUID(),
        eventType: "job.failed",
        payload: { type: "job.failed", timestamp: "2026-12-03T00:00:00.000Z", data: {} },
        nextAttemptAt: new Date(),
      },
    });
    expect(delivery).toMatchObject({
      status: "pending",
      attempts: 0,
      enqueuedAt: null,
      lastResponseCode: null,
    });
    expect(typeof delivery.seq).toBe("bigint");
    await expect(
      prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { status: "paused" } }),
    ).rejects.toThrow();
    await expect(
      prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { status: "lost" } }),
    ).rejects.toThrow();
    // A rotation's previous secret comes with its expiry, or not at all.
    await expect(
      prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { previousSecret: "whsec_y" } }),
    ).rejects.toThrow();
    expect(
      await prisma.webhookEndpoint.update({
        where: { id: endpoint.id },
        data: { previousSecret: "whsec_y", previousSecretExpiresAt: new Date() },
      }),
    ).toMatchObject({ previousSecret: "whsec_y", previousSecretExpiresAt: expect.any(Date) });
    await prisma.organization.delete({ where: { id: org.id } });
    expect(await prisma.webhookEndpoint.count({ where: { id: endpoint.id } })).toBe(0);
    expect(await prisma.webhookDelivery.count({ where: { id: delivery.id } })).toBe(0);
  });
});
