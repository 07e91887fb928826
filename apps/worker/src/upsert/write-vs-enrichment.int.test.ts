import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "@upsert/config";
import {
  acceptRequest,
  createDb,
  createOrganization,
  type Db,
  type IntakeRecord,
  loadUpsertSnapshot,
  lockIntakeWrite,
  withTransaction,
  writeContactUpsert,
} from "@upsert/db";
import {
  contactUpsertJobResult,
  identityKeysOf,
  payloadHash,
  planUpsert,
  selectSnapshotLookups,
  toContactResponse,
  type UpsertContactPayload,
} from "@upsert/domain";
import { createBuiltinProvider, derivePersonEnrichment } from "@upsert/enrichment";
import { intakeOperations } from "@upsert/queue";
import { createTestDatabase, type TestDatabase } from "@upsert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { enrichCreatedRecords } from "./enrich-created-records";
import { processUpsertRequest } from "./process-upsert-request";

let database: TestDatabase;
let db: Db;
const logger = createLogger({ name: "test", level: "silent" });

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { maxConnections: 4 });
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

async function accept(orgId: string, payload: UpsertContactPayload): Promise<IntakeRecord> {
  const outcome = await acceptRequest(db.prisma, {
    orgId,
    operation: intakeOperations.upsertContact,
    payload: payload as Record<string, never>,
    payloadHash: payloadHash(payload),
    identityKeys: identityKeysOf(payload),
    idempotencyWindowMs: 60_000,
  });
  return outcome.request;
}

it("an update in flight never erases an enrichment that lands while it runs", async () => {
  const { org } = await createOrganization(db.prisma, { name: "Race" });
  const email = "lee@gmail.com"; // free-mail: no account to create
  const create = await accept(org.id, { email });
  const deps = { pool: db.pool, logger, wake: async () => {}, enqueueEnrichment: async () => {} };
  await processUpsertRequest(deps, create.id);
  const answer = derivePersonEnrichment({
    email,
    linkedinUrl: null,
    firstName: null,
    lastName: null,
    domain: null,
  });
  // The provider's answer fills `location`: the field the update below writes.
  expect(answer?.location).toEqual(expect.any(String));

  // The update reads (and row-locks) the contact, still waiting for enrichment, then pauses
  // before writing: the same statements the worker runs, with a pause between them.
  const update = await accept(org.id, { email, location: "Oslo" });
  let release = () => {};
  const paused = new Promise<void>((resolve) => {
    release = resolve;
  });
  let markRead = () => {};
  const hasRead = new Promise<void>((resolve) => {
    markRead = resolve;
  });
  const updating = withTransaction(db.pool, async (tx) => {
    const payload = update.payload as UpsertContactPayload;
    expect(
      await lockIntakeWrite(
        tx,
        { ...update, requestId: update.id, keys: update.identityKeys },
        {
          lockKeys: true,
          checkOrder: true,
        },
      ),
    ).toBe("locked");
    const loaded = await loadUpsertSnapshot(tx, org.id, selectSnapshotLookups(payload));
    markRead();
    await paused;
    const plan = planUpsert(
      loaded.snapshot,
      { seq: Number(update.seq), payload },
      {
        newContactId: crypto.randomUUID(),
        newAccountId: crypto.randomUUID(),
      },
    );
    if (plan.kind !== "write") throw new Error(`unexpected plan ${plan.kind}`);
    const now = new Date();
    const contact = toContactResponse({
      record: plan.contact,
      source: "api",
      tagNames: [],
      createdAt: now,
      updatedAt: now,
      enrichedAt: null,
      enrichedFields: [],
      enrichmentError: null,
    });
    await writeContactUpsert(tx, {
      request: update,
      keys: update.identityKeys,
      contact: plan.contact,
      isNew: false,
      source: "api",
      newAccount: null,
      addedTagIds: [],
      result: contactUpsertJobResult(plan.result, contact, false),
      enrichment: { contactId: null, accountId: null },
      now,
    });
  });
  await hasRead;

  // Meanwhile the create's enrichment job asks the provider and merges (into the contact as it
  // read it, before the update).
  const provider = createBuiltinProvider({ latencyMs: 0 });
  const enriching = enrichCreatedRecords({ pool: db.pool, provider, logger, deferForMs: 60_000 }, create.id);
  await sleep(300); // room for the enrichment to commit first, if nothing stops it
  release();
  await Promise.all([updating, enriching]);

  const contact = await db.prisma.contact.findFirstOrThrow({ where: { orgId: org.id } });
  expect(contact).toMatchObject({
    location: "Oslo",
    title: answer?.title,
    enrichmentStatus: "applied",
  });
  const job = await db.prisma.intakeRequest.findUniqueOrThrow({ where: { id: create.id } });
  expect(job.result).toMatchObject({ enrichment: "applied", contact: { location: "Oslo" } });
});
