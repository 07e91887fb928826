import { setTimeout as sleep } from "node:timers/promises";
import {
  createDb,
  createOrganization,
  type Db,
  loadContactForUpdate,
  loadUpsertSnapshot,
  runInTransaction,
  saveContact,
  saveContactEnrichment,
} from "@upsert/db";
import {
  mergeContactEnrichment,
  planUpsert,
  selectSnapshotLookups,
  type UpsertContactPayload,
} from "@upsert/domain";
import { createTestDatabase, type TestDatabase } from "@upsert/testing";
import { afterAll, beforeAll, expect, it } from "vitest";

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, { maxConnections: 4 });
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

/** Plans `payload` against the database and writes it, pausing between reading and writing. */
async function writeWithPause(
  orgId: string,
  seq: number,
  payload: UpsertContactPayload,
  pause: Promise<void>,
  read: () => void,
) {
  await runInTransaction(db.prisma, async (tx) => {
    const snapshot = await loadUpsertSnapshot(tx, orgId, selectSnapshotLookups(payload));
    read();
    await pause;
    const plan = planUpsert(
      snapshot,
      { seq, payload },
      { newContactId: crypto.randomUUID(), newAccountId: crypto.randomUUID() },
    );
    if (plan.kind !== "write") throw new Error(`unexpected plan ${plan.kind}`);
    await saveContact(tx, orgId, plan.contact, { isNew: plan.action === "created" });
  });
}

it("an update in flight never erases an enrichment that lands while it runs", async () => {
  const { org } = await createOrganization(db.prisma, { name: "Race" });
  const email = "lee@gmail.com"; // free-mail: no account to create
  await writeWithPause(org.id, 1, { email }, Promise.resolve(), () => {});
  const contactId = (await db.prisma.contact.findFirstOrThrow({ where: { orgId: org.id } })).id;

  // The update reads the contact (still waiting for enrichment), then pauses before writing.
  let release = () => {};
  const paused = new Promise<void>((resolve) => {
    release = resolve;
  });
  let markRead = () => {};
  const hasRead = new Promise<void>((resolve) => {
    markRead = resolve;
  });
  const update = writeWithPause(org.id, 2, { email, location: "Oslo" }, paused, markRead);
  await hasRead;

  // Meanwhile the enrichment of the create tries to merge.
  const enrichment = runInTransaction(db.prisma, async (tx) => {
    const contact = await loadContactForUpdate(tx, contactId);
    if (!contact) throw new Error("contact vanished");
    const merged = mergeContactEnrichment(
      contact,
      { title: "Analyst", last_name: "Lee" },
      { provider: "test", seq: 1 },
    );
    await saveContactEnrichment(tx, merged.contact, { filledFields: merged.filledFields, error: null });
  });
  await sleep(300); // room for the enrichment to commit first, if nothing stops it
  release();
  await Promise.all([update, enrichment]);

  const contact = await db.prisma.contact.findUniqueOrThrow({ where: { id: contactId } });
  expect(contact).toMatchObject({
    location: "Oslo",
    title: "Analyst",
    lastName: "Lee",
    enrichmentStatus: "applied",
  });
});
