import { DomainError, hashApiKeySecret } from "@upsert/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../create-db";
import { createEmptyDatabase, type EmptyDatabase } from "../empty-database.fixture";
import { migrate } from "../migrations";
import {
  createApiKey,
  findActiveApiKeyByHash,
  listApiKeys,
  revokeApiKey,
  touchApiKeyLastUsed,
} from "./api-keys.repository";
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

const unknownId = "01890a5d-ac96-774b-bcce-b302099a8057";

describe("createApiKey", () => {
  it("issues an mks_ secret and stores only its SHA-256 and display prefix", async () => {
    const { org } = await createOrganization(db.prisma, { name: "Keys Inc" });
    const key = await createApiKey(db.prisma, { orgId: org.id, name: "  ci  " });

    expect(key.secret).toMatch(/^mks_[A-Za-z0-9_-]{48}$/);
    expect(key).toMatchObject({ orgId: org.id, name: "ci", prefix: key.secret.slice(0, 12) });
    expect(key.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const row = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.secretHash).toBe(hashApiKeySecret(key.secret));
    expect(Object.values(row).some((value) => String(value).includes(key.secret))).toBe(false);
  });

  it("names a key 'default' when no name is given", async () => {
    const { org } = await createOrganization(db.prisma, { name: "Default Name" });
    await expect(createApiKey(db.prisma, { orgId: org.id })).resolves.toMatchObject({ name: "default" });
  });

  it("throws not_found for an unknown or malformed organisation id", async () => {
    for (const orgId of [unknownId, "not-a-uuid"]) {
      const attempt = createApiKey(db.prisma, { orgId, name: "x" });
      await expect(attempt).rejects.toBeInstanceOf(DomainError);
      await expect(attempt).rejects.toMatchObject({
        code: "not_found",
        message: expect.stringContaining(orgId),
      });
    }
    expect(await db.prisma.apiKey.count({ where: { name: "x" } })).toBe(0);
  });

  it("rejects a blank name without inserting anything", async () => {
    const { org } = await createOrganization(db.prisma, { name: "Blank Key" });
    await expect(createApiKey(db.prisma, { orgId: org.id, name: "   " })).rejects.toMatchObject({
      code: "unprocessable_entity",
    });
    expect(await db.prisma.apiKey.count({ where: { orgId: org.id } })).toBe(1);
  });
});

describe("listApiKeys", () => {
  it("lists the organisation's keys oldest first, without hashes or secrets", async () => {
    const { org, apiKey: first } = await createOrganization(db.prisma, { name: "Listing" });
    const second = await createApiKey(db.prisma, { orgId: org.id, name: "second" });
    await createOrganization(db.prisma, { name: "Someone else" });

    const keys = await listApiKeys(db.prisma, org.id);

    expect(keys.map((key) => key.id)).toEqual([first.id, second.id]);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(
        ["createdAt", "id", "lastUsedAt", "name", "orgId", "prefix", "revokedAt"].sort(),
      );
      expect(key.createdAt).toBeInstanceOf(Date);
      expect(key.lastUsedAt).toBeNull();
      expect(key.revokedAt).toBeNull();
    }
    expect(JSON.stringify(keys)).not.toContain(first.secret);
    expect(JSON.stringify(keys)).not.toContain(hashApiKeySecret(first.secret));
  });

  it("returns nothing for an unknown or malformed organisation id", async () => {
    expect(await listApiKeys(db.prisma, unknownId)).toEqual([]);
    expect(await listApiKeys(db.prisma, "nope")).toEqual([]);
  });
});

describe("findActiveApiKeyByHash and revokeApiKey", () => {
  it("authenticates a key until it is revoked", async () => {
    const { org, apiKey } = await createOrganization(db.prisma, { name: "Auth" });
    const hash = hashApiKeySecret(apiKey.secret);

    expect(await findActiveApiKeyByHash(db.prisma, hash)).toEqual({
      keyId: apiKey.id,
      orgId: org.id,
      rateLimitPerMinute: null,
      itemsRateLimitPerMinute: null,
    });

    const revoked = await revokeApiKey(db.prisma, apiKey.id);
    expect(revoked).toMatchObject({ id: apiKey.id, orgId: org.id, revokedAt: expect.any(Date) });
    expect(await findActiveApiKeyByHash(db.prisma, hash)).toBeNull();
  });

  it("returns null for a hash no key has", async () => {
    expect(await findActiveApiKeyByHash(db.prisma, hashApiKeySecret("mks_unknown"))).toBeNull();
  });

  it("is idempotent: revoking again keeps the first revocation time", async () => {
    const { apiKey } = await createOrganization(db.prisma, { name: "Twice" });
    const firstAt = new Date("2026-01-01T00:00:00.000Z");

    const first = await revokeApiKey(db.prisma, apiKey.id, firstAt);
    const second = await revokeApiKey(db.prisma, apiKey.id, new Date("2026-02-01T00:00:00.000Z"));

    expect(first?.revokedAt).toEqual(firstAt);
    expect(second?.revokedAt).toEqual(firstAt);
  });

  it("returns null for an unknown or malformed key id", async () => {
    expect(await revokeApiKey(db.prisma, unknownId)).toBeNull();
    expect(await revokeApiKey(db.prisma, "42")).toBeNull();
  });
});

describe("touchApiKeyLastUsed", () => {
  it("records the latest use and never moves it backwards", async () => {
    const { org, apiKey } = await createOrganization(db.prisma, { name: "Touch" });
    const later = new Date("2026-03-01T12:00:00.000Z");
    const earlier = new Date("2026-03-01T11:00:00.000Z");

    await touchApiKeyLastUsed(db.prisma, apiKey.id, later);
    await touchApiKeyLastUsed(db.prisma, apiKey.id, earlier);

    const [key] = await listApiKeys(db.prisma, org.id);
    expect(key?.lastUsedAt).toEqual(later);
  });

  it("ignores an unknown key", async () => {
    await expect(touchApiKeyLastUsed(db.prisma, unknownId, new Date())).resolves.toBeUndefined();
  });
});
