import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../create-db";
import { createEmptyDatabase, type EmptyDatabase } from "../empty-database.fixture";
import { migrate } from "../migrations";
import { findContactDetails } from "./contacts.repository";
import { createOrganization } from "./organizations.repository";

// @upsert/testing depends on this package, so this file migrates its own empty database.
let database: EmptyDatabase;
let db: Db;
let orgId: string;

beforeAll(async () => {
  database = await createEmptyDatabase();
  await migrate(database.url);
  db = createDb(database.url, { maxConnections: 2 });
  orgId = (await createOrganization(db.prisma, { name: "Contacts Inc" })).org.id;
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const fieldKey = "custom_field_0191f0c2-0000-7000-8000-00000000000a";

/** A contact with two tags, named so that their alphabetical order differs from their id order. */
async function seedContact(inOrg = orgId) {
  const id = uuidv7();
  const tagIds = [uuidv7(), uuidv7()];
  await db.prisma.tag.createMany({
    data: [
      {
        id: tagIds[0] as string,
        orgId: inOrg,
        objectType: "contacts",
        name: `zeta ${id}`,
        nameNormalized: `zeta ${id}`,
      },
      {
        id: tagIds[1] as string,
        orgId: inOrg,
        objectType: "contacts",
        name: `Alpha ${id}`,
        nameNormalized: `alpha ${id}`,
      },
    ],
  });
  await db.prisma.contact.create({
    data: {
      id,
      orgId: inOrg,
      email: "Jane@Acme.com",
      emailNormalized: `jane-${id}@acme.com`,
      firstName: "Jane",
      source: "api",
      customFields: { [fieldKey]: "gold" },
      enrichmentStatus: "applied",
      enrichmentProvider: "builtin",
      enrichedFields: ["last_name"],
      enrichedAt: new Date("2026-01-02T00:00:00.000Z"),
      tags: { create: tagIds.map((tagId) => ({ tagId })) },
    },
  });
  return { id, tagIds };
}

describe("findContactDetails", () => {
  it("returns the record, tag names alphabetically, source, timestamps and enrichment facts", async () => {
    const { id, tagIds } = await seedContact();
    const details = await findContactDetails(db.prisma, orgId, id);
    expect(details).toMatchObject({
      source: "api",
      tagNames: [`Alpha ${id}`, `zeta ${id}`],
      enrichedAt: new Date("2026-01-02T00:00:00.000Z"),
      enrichedFields: ["last_name"],
      enrichmentError: null,
      record: {
        id,
        email: "Jane@Acme.com",
        linkedinUrl: null,
        firstName: "Jane",
        customFields: { [fieldKey]: "gold" },
        tagIds: [...tagIds].sort(),
        enrichmentStatus: "applied",
        enrichmentProvider: "builtin",
      },
    });
    expect(details?.createdAt).toBeInstanceOf(Date);
    expect(details?.updatedAt).toBeInstanceOf(Date);
  });

  it("is null for another org's contact, an unknown id and a malformed id", async () => {
    const { id } = await seedContact();
    const other = (await createOrganization(db.prisma, { name: "Other" })).org.id;
    expect(await findContactDetails(db.prisma, other, id)).toBeNull();
    expect(await findContactDetails(db.prisma, orgId, "0191f0c2-1111-7000-8000-0000000000ff")).toBeNull();
    expect(await findContactDetails(db.prisma, orgId, "not-a-uuid")).toBeNull();
    expect(await findContactDetails(db.prisma, orgId, "")).toBeNull();
  });
});
