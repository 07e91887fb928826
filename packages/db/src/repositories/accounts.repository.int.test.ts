import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../create-db";
import { createEmptyDatabase, type EmptyDatabase } from "../empty-database.fixture";
import { migrate } from "../migrations";
import { findAccountDetails } from "./accounts.repository";
import { createOrganization } from "./organizations.repository";

// @upsert/testing depends on this package, so this file migrates its own empty database.
let database: EmptyDatabase;
let db: Db;
let orgId: string;

beforeAll(async () => {
  database = await createEmptyDatabase();
  await migrate(database.url);
  db = createDb(database.url, { maxConnections: 2 });
  orgId = (await createOrganization(db.prisma, { name: "Accounts Inc" })).org.id;
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const accountId = "0191f0c2-2222-7000-8000-000000000001";

describe("findAccountDetails", () => {
  it("returns the record, timestamps and enrichment time of the org's account", async () => {
    await db.prisma.account.create({
      data: {
        id: accountId,
        orgId,
        domain: "acme.com",
        name: "Acme",
        industries: ["Software"],
        employeeCount: 250,
        enrichmentStatus: "applied",
        enrichmentProvider: "builtin",
        enrichedAt: new Date("2026-01-02T00:00:00.000Z"),
      },
    });
    const details = await findAccountDetails(db.prisma, orgId, accountId);
    expect(details).toMatchObject({
      enrichedAt: new Date("2026-01-02T00:00:00.000Z"),
      record: {
        id: accountId,
        domain: "acme.com",
        name: "Acme",
        industries: ["Software"],
        employeeCount: 250,
        foundedYear: null,
        enrichmentStatus: "applied",
        enrichmentProvider: "builtin",
      },
    });
    expect(details?.createdAt).toBeInstanceOf(Date);
  });

  it("is null for another org's account, an unknown id and a malformed id", async () => {
    const other = (await createOrganization(db.prisma, { name: "Other" })).org.id;
    expect(await findAccountDetails(db.prisma, other, accountId)).toBeNull();
    expect(await findAccountDetails(db.prisma, orgId, "0191f0c2-2222-7000-8000-0000000000ff")).toBeNull();
    expect(await findAccountDetails(db.prisma, orgId, "acme.com")).toBeNull();
  });
});
