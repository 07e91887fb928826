import { createLogger } from "@upsert/config";
import {
  acceptRequest,
  claimRequest,
  createDb,
  createOrganization,
  type Db,
  findRequest,
  type IntakeRecord,
  loadUpsertSnapshot,
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
import { createBuiltinProvider, createWebhookProvider, derivePersonEnrichment } from "@upsert/enrichment";
import { intakeOperations } from "@upsert/queue";
import {
  createTestDatabase,
  type HttpStandIn,
  sendJson,
  startHttpStandIn,
  type TestDatabase,
} from "@upsert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { enrichCreatedRecords } from "./enrich-created-records";
import { processUpsertRequest } from "./process-upsert-request";

// The write and the enrichment merge are both optimistic: each reads, decides outside any lock,
// and records only if what it read is unchanged. These tests put the other one in between.
let database: TestDatabase;
let db: Db;
let provider: HttpStandIn;
const logger = createLogger({ name: "test", level: "silent" });
const email = "lee@gmail.com"; // free-mail: no account to create
const answer = derivePersonEnrichment({
  email,
  linkedinUrl: null,
  firstName: null,
  lastName: null,
  domain: null,
});

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { maxConnections: 4 });
  provider = await startHttpStandIn((_req, res) => sendJson(res, 200, { match: answer }));
});

afterAll(async () => {
  await provider?.close();
  await db?.close();
  await database?.drop();
});

const deps = () => ({
  pool: db.pool,
  logger,
  wake: async () => {},
  enqueueEnrichment: async () => {},
  announceWritten: async () => {},
  purgeCachedAnswers: async () => {},
});

async function accept(orgId: string, payload: UpsertContactPayload): Promise<IntakeRecord> {
  const outcome = await acceptRequest(
    db.pool,
    {
      orgId,
      operation: intakeOperations.upsertContact,
      payload: payload as Record<string, never>,
      payloadHash: payloadHash(payload),
      identityKeys: identityKeysOf(payload),
    },
    { idempotencyWindowMs: 60_000, outcomeDeadlineMs: 2_000 },
  );
  const request = await findRequest(db.prisma, outcome.request.id);
  if (!request) throw new Error("the accepted request is not there");
  return request;
}

/** A created contact whose enrichment is owed, and the update request that follows it. */
async function createdContactAndUpdate(name: string) {
  const { org } = await createOrganization(db.prisma, { name });
  const create = await accept(org.id, { email });
  await processUpsertRequest(deps(), create.id);
  const update = await accept(org.id, { email, location: "Oslo" });
  const contact = () => db.prisma.contact.findFirstOrThrow({ where: { orgId: org.id } });
  return { org, create, update, contact };
}

it("an update planned before an enrichment committed is refused as stale, then planned again", async () => {
  // The provider's answer fills `location`, the field the update writes, and `title`.
  expect(answer).toMatchObject({ location: expect.any(String), title: expect.any(String) });
  const { org, create, update, contact } = await createdContactAndUpdate("Stale write");

  // The update reads and plans (the contact still waits for enrichment) ...
  const claim = await claimRequest(db.pool, update.id, { checkOrder: true });
  if (claim?.kind !== "claimed") throw new Error(`unexpected claim ${claim?.kind}`);
  const payload = update.payload as UpsertContactPayload;
  const lookups = selectSnapshotLookups(payload);
  const loaded = await loadUpsertSnapshot(db.pool, org.id, lookups);
  const plan = planUpsert(
    loaded.snapshot,
    { seq: Number(update.seq), payload },
    {
      newContactId: crypto.randomUUID(),
      newAccountId: crypto.randomUUID(),
    },
  );
  if (plan.kind !== "write") throw new Error(`unexpected plan ${plan.kind}`);

  // ... then the create's enrichment commits ...
  const builtin = createBuiltinProvider({ latencyMs: 0 });
  await enrichCreatedRecords({ pool: db.pool, provider: builtin, logger, deferForMs: 60_000 }, create.id);
  expect(await contact()).toMatchObject({ title: answer?.title, enrichmentStatus: "applied" });

  // ... so the planned write, which would write back the contact as it was before, is refused.
  const now = new Date();
  const view = toContactResponse({
    record: plan.contact,
    source: "api",
    tagNames: [],
    createdAt: now,
    updatedAt: now,
    enrichedAt: null,
    enrichedFields: [],
    enrichmentError: null,
  });
  const outcome = await writeContactUpsert(
    db.pool,
    {
      ordered: {
        requestId: update.id,
        orgId: org.id,
        seq: update.seq,
        attempt: claim.request.attempts,
        keys: plan.identityKeys,
        lockKeys: true,
        checkOrder: true,
      },
      lookups,
      fingerprint: loaded.fingerprint,
      now,
    },
    {
      contact: plan.contact,
      isNew: false,
      source: "api",
      newAccount: null,
      addedTagIds: [],
      result: contactUpsertJobResult(plan.result, view, false),
      enrichment: { contactId: null, accountId: null },
    },
  );
  expect(outcome).toEqual({ kind: "stale" });
  expect(await contact()).toMatchObject({ title: answer?.title, enrichmentStatus: "applied" });

  // The worker's own run plans again from the enriched contact: both survive.
  await processUpsertRequest(deps(), update.id);
  expect(await contact()).toMatchObject({
    location: "Oslo",
    title: answer?.title,
    enrichmentStatus: "applied",
  });
});

it("an enrichment merged before an update committed is merged again into the update", async () => {
  const { create, update, contact } = await createdContactAndUpdate("Stale merge");
  // The provider holds its answer until the update is written: the enrichment job read the
  // contact before the update and merges into that state.
  let answerNow = () => {};
  const held = new Promise<void>((resolve) => {
    answerNow = resolve;
  });
  provider.setHandler(async (_req, res) => {
    await held;
    sendJson(res, 200, { match: answer });
  });
  const webhook = createWebhookProvider({ url: provider.url });
  const enriching = enrichCreatedRecords(
    { pool: db.pool, provider: webhook, logger, deferForMs: 60_000 },
    create.id,
  );
  while (provider.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  await processUpsertRequest(deps(), update.id);
  expect(await contact()).toMatchObject({ location: "Oslo", enrichmentStatus: "pending" });
  answerNow();
  expect(await enriching).toEqual({ kind: "done" });

  // Merged into the updated contact: the caller's location stays, the provider fills the rest.
  expect(await contact()).toMatchObject({
    location: "Oslo",
    title: answer?.title,
    enrichmentStatus: "applied",
  });
  const job = await db.prisma.intakeRequest.findUniqueOrThrow({ where: { id: create.id } });
  expect(job.result).toMatchObject({
    enrichment: "applied",
    contact: { location: "Oslo", title: answer?.title },
  });
});
