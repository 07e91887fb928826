import { DomainError } from "@upsert/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../create-db";
import { createEmptyDatabase, type EmptyDatabase } from "../empty-database.fixture";
import { migrate } from "../migrations";
import { createOrganization } from "./organizations.repository";
import { createTag, listTags } from "./tags.repository";

// @upsert/testing depends on this package, so this file migrates its own empty database.
let database: EmptyDatabase;
let db: Db;

beforeAll(async () => {
  database = await createEmptyDatabase();
  await migrate(database.url);
  db = createDb(database.url, { maxConnections: 4 });
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const newOrg = async (name: string) => (await createOrganization(db.prisma, { name })).org.id;

describe("createTag", () => {
  it("stores the tag with a UUIDv7 id and its lower-cased name for uniqueness", async () => {
    const orgId = await newOrg("Tags");
    const tag = await createTag(db.prisma, orgId, { object: "contacts", name: "Hot Lead", color: "red" });
    expect(tag).toMatchObject({ objectType: "contacts", name: "Hot Lead", color: "red" });
    expect(tag.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const row = await db.prisma.tag.findUniqueOrThrow({ where: { id: tag.id } });
    expect(row).toMatchObject({ orgId, nameNormalized: "hot lead" });
  });

  it("turns a case-insensitive duplicate into conflict, per org and object type", async () => {
    const orgId = await newOrg("Dupes");
    await createTag(db.prisma, orgId, { object: "contacts", name: "VIP", color: null });
    const again = createTag(db.prisma, orgId, { object: "contacts", name: "vip", color: "blue" });
    await expect(again).rejects.toBeInstanceOf(DomainError);
    await expect(again).rejects.toMatchObject({ code: "conflict" });
    // The same name is free for another object type and for another org.
    await expect(
      createTag(db.prisma, orgId, { object: "accounts", name: "VIP", color: null }),
    ).resolves.toBeTruthy();
    await expect(
      createTag(db.prisma, await newOrg("Elsewhere"), { object: "contacts", name: "VIP", color: null }),
    ).resolves.toBeTruthy();
  });

  it("lets exactly one of many concurrent creates of one name win", async () => {
    const orgId = await newOrg("Race");
    const results = await Promise.allSettled(
      ["Race", "RACE", "race", "rAcE"].map((name) =>
        createTag(db.prisma, orgId, { object: "contacts", name, color: null }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "conflict" });
    }
  });
});

describe("listTags", () => {
  it("lists only the org's tags, by object type then name, optionally filtered", async () => {
    const orgId = await newOrg("List");
    for (const [object, name] of [
      ["contacts", "beta"],
      ["contacts", "Alpha"],
      ["accounts", "Gamma"],
    ] as const) {
      await createTag(db.prisma, orgId, { object, name, color: null });
    }
    await createTag(db.prisma, await newOrg("Noise"), { object: "contacts", name: "Other", color: null });

    const all = await listTags(db.prisma, orgId);
    expect(all.map((t) => [t.objectType, t.name])).toEqual([
      ["accounts", "Gamma"],
      ["contacts", "Alpha"],
      ["contacts", "beta"],
    ]);
    const contacts = await listTags(db.prisma, orgId, { object: "contacts" });
    expect(contacts.map((t) => t.name)).toEqual(["Alpha", "beta"]);
  });
});
