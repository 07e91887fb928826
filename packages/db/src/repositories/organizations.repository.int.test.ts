import { DomainError, hashApiKeySecret } from "@upsert/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../create-db";
import { createEmptyDatabase, type EmptyDatabase } from "../empty-database.fixture";
import { migrate } from "../migrations";
import { findActiveApiKeyByHash, listApiKeys } from "./api-keys.repository";
import { createOrganization, findOrganization, setOrganizationRateLimit } from "./organizations.repository";

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

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("createOrganization", () => {
  it("creates the organisation with a first key whose secret authenticates it", async () => {
    const { org, apiKey } = await createOrganization(db.prisma, { name: "  Acme  " });

    expect(org).toMatchObject({ name: "Acme", createdAt: expect.any(Date) });
    expect(org.id).toMatch(uuidV7);
    expect(apiKey).toMatchObject({ orgId: org.id, name: "default", prefix: apiKey.secret.slice(0, 12) });
    expect(apiKey.id).toMatch(uuidV7);
    expect(apiKey.secret).toMatch(/^mks_[A-Za-z0-9_-]{48}$/);

    expect(await findActiveApiKeyByHash(db.prisma, hashApiKeySecret(apiKey.secret))).toEqual({
      keyId: apiKey.id,
      orgId: org.id,
      rateLimitPerMinute: null,
      itemsRateLimitPerMinute: null,
    });
    expect((await listApiKeys(db.prisma, org.id)).map((key) => key.id)).toEqual([apiKey.id]);
  });

  it("gives each organisation its own ids and secrets", async () => {
    const a = await createOrganization(db.prisma, { name: "Twin" });
    const b = await createOrganization(db.prisma, { name: "Twin" });
    expect(a.org.id).not.toBe(b.org.id);
    expect(a.apiKey.secret).not.toBe(b.apiKey.secret);
  });

  it("rolls the organisation back when its first key cannot be created", async () => {
    const before = await db.prisma.organization.count();
    // The key name is validated after the organisation row is inserted, inside the transaction.
    await expect(createOrganization(db.prisma, { name: "Half done", keyName: " " })).rejects.toMatchObject({
      code: "unprocessable_entity",
    });
    expect(await db.prisma.organization.count()).toBe(before);
    expect(await db.prisma.organization.count({ where: { name: "Half done" } })).toBe(0);
  });

  it("rejects a blank or oversized name", async () => {
    await expect(createOrganization(db.prisma, { name: "  " })).rejects.toBeInstanceOf(DomainError);
    await expect(createOrganization(db.prisma, { name: "x".repeat(201) })).rejects.toMatchObject({
      code: "unprocessable_entity",
    });
  });
});

describe("findOrganization", () => {
  it("finds an organisation by id and returns null for unknown or malformed ids", async () => {
    const { org } = await createOrganization(db.prisma, { name: "Findable" });
    expect(await findOrganization(db.prisma, org.id)).toEqual(org);
    expect(await findOrganization(db.prisma, "01890a5d-ac96-774b-bcce-b302099a8057")).toBeNull();
    expect(await findOrganization(db.prisma, "acme")).toBeNull();
  });
});

describe("setOrganizationRateLimit", () => {
  it("sets the limit, which the key lookup then carries, and clears it back to the default", async () => {
    const { org, apiKey } = await createOrganization(db.prisma, { name: "Limited" });
    const hash = hashApiKeySecret(apiKey.secret);

    expect(await setOrganizationRateLimit(db.prisma, org.id, 250)).toMatchObject({
      id: org.id,
      rateLimitPerMinute: 250,
    });
    expect(await findActiveApiKeyByHash(db.prisma, hash)).toMatchObject({ rateLimitPerMinute: 250 });

    expect(await setOrganizationRateLimit(db.prisma, org.id, null)).toMatchObject({
      rateLimitPerMinute: null,
    });
    expect(await findActiveApiKeyByHash(db.prisma, hash)).toMatchObject({ rateLimitPerMinute: null });
  });

  it("returns null for an unknown or malformed id", async () => {
    expect(await setOrganizationRateLimit(db.prisma, "01890a5d-ac96-774b-bcce-b302099a8057", 5)).toBeNull();
    expect(await setOrganizationRateLimit(db.prisma, "acme", 5)).toBeNull();
  });

  it("refuses a limit outside 1..100000 or not whole, and so does the database", async () => {
    const { org } = await createOrganization(db.prisma, { name: "Bounded" });
    for (const bad of [0, -1, 1.5, 100_001]) {
      await expect(setOrganizationRateLimit(db.prisma, org.id, bad)).rejects.toMatchObject({
        code: "unprocessable_entity",
      });
    }
    await expect(
      db.prisma.organization.update({ where: { id: org.id }, data: { rateLimitPerMinute: 0 } }),
    ).rejects.toThrow(/rate_limit_per_minute_check/);
    expect((await findOrganization(db.prisma, org.id))?.rateLimitPerMinute).toBeNull();
  });
});
