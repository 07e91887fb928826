import { DomainError } from "@upsert/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../create-db";
import { createEmptyDatabase, type EmptyDatabase } from "../empty-database.fixture";
import { migrate } from "../migrations";
import { createCustomField, listCustomFields } from "./custom-fields.repository";
import { createOrganization } from "./organizations.repository";

// @upsert/testing depends on this package, so this file migrates its own empty database.
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

const newOrg = async (name: string) => (await createOrganization(db.prisma, { name })).org.id;

describe("createCustomField", () => {
  it("stores the definition with a UUIDv7 id", async () => {
    const orgId = await newOrg("Fields");
    const field = await createCustomField(db.prisma, orgId, {
      entity: "contacts",
      name: "Tier",
      type: "enum",
      options: ["gold", "silver"],
    });
    expect(field).toMatchObject({
      entity: "contacts",
      name: "Tier",
      type: "enum",
      options: ["gold", "silver"],
    });
    expect(field.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(field.createdAt).toBeInstanceOf(Date);
    expect(await db.prisma.customField.findUniqueOrThrow({ where: { id: field.id } })).toMatchObject({
      orgId,
    });
  });

  it("turns a duplicate name within an org and entity into conflict, not across orgs", async () => {
    const orgId = await newOrg("Dupes");
    const input = { entity: "contacts", name: "Score", type: "number", options: [] } as const;
    await createCustomField(db.prisma, orgId, { ...input, options: [] });
    const again = createCustomField(db.prisma, orgId, { ...input, type: "string", options: [] });
    await expect(again).rejects.toBeInstanceOf(DomainError);
    await expect(again).rejects.toMatchObject({ code: "conflict" });
    await expect(
      createCustomField(db.prisma, await newOrg("Other"), { ...input, options: [] }),
    ).resolves.toBeTruthy();
  });
});

describe("listCustomFields", () => {
  it("lists the org's fields of one entity, oldest first", async () => {
    const orgId = await newOrg("List");
    for (const name of ["B first", "A second"]) {
      await createCustomField(db.prisma, orgId, { entity: "contacts", name, type: "string", options: [] });
    }
    await createCustomField(db.prisma, await newOrg("Noise"), {
      entity: "contacts",
      name: "Noise",
      type: "string",
      options: [],
    });
    expect((await listCustomFields(db.prisma, orgId, "contacts")).map((f) => f.name)).toEqual([
      "B first",
      "A second",
    ]);
    expect(await listCustomFields(db.prisma, orgId, "accounts")).toEqual([]);
  });
});
