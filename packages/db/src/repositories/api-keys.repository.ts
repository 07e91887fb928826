import { apiKeyDisplayPrefix, DomainError, generateApiKeySecret, hashApiKeySecret } from "@upsert/domain";
import { validate as isUuid, v7 as uuidv7 } from "uuid";
import type { Prisma } from "../create-db";
import type { Prisma as PrismaTypes } from "../generated/prisma/client";

/** A key as it is issued: the only moment the secret exists outside its owner's hands. */
export interface IssuedApiKey {
  id: string;
  orgId: string;
  name: string;
  prefix: string;
  secret: string;
}

/** What may be shown about a key after issue: never the secret nor its hash. */
export interface ApiKeySummary {
  id: string;
  orgId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface ActiveApiKey {
  keyId: string;
  orgId: string;
  /** The organisation's own requests-per-minute limit; null when it uses the deployment's default. */
  rateLimitPerMinute: number | null;
  /** Its own limit on batch items per minute; null when it uses the deployment's default. */
  itemsRateLimitPerMinute: number | null;
}

export const defaultApiKeyName = "default";
const maxApiKeyNameLength = 200;

const summarySelect = {
  id: true,
  orgId: true,
  name: true,
  prefix: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const;

/** Trims the name and rejects blank or oversized ones, which would be useless in a key listing. */
export function normaliseApiKeyName(name: string | undefined): string {
  const trimmed = (name ?? defaultApiKeyName).trim();
  if (trimmed.length === 0) throw new DomainError("unprocessable_entity", "API key name must not be empty");
  if (trimmed.length > maxApiKeyNameLength) {
    throw new DomainError(
      "unprocessable_entity",
      `API key name must be at most ${maxApiKeyNameLength} characters`,
    );
  }
  return trimmed;
}

/**
 * Inserts a key for an organisation inside the caller's transaction (or client). Only the hash of
 * the secret is stored; the secret is returned so the caller can show it once.
 */
export async function insertApiKey(
  tx: PrismaTypes.TransactionClient,
  input: { orgId: string; name?: string },
): Promise<IssuedApiKey> {
  const name = normaliseApiKeyName(input.name);
  const secret = generateApiKeySecret();
  const row = await tx.apiKey.create({
    data: {
      id: uuidv7(),
      orgId: input.orgId,
      name,
      prefix: apiKeyDisplayPrefix(secret),
      secretHash: hashApiKeySecret(secret),
    },
    select: { id: true, orgId: true, name: true, prefix: true },
  });
  return { ...row, secret };
}

/** Issues a new key for an existing organisation; throws DomainError("not_found") otherwise. */
export async function createApiKey(
  prisma: Prisma,
  input: { orgId: string; name?: string },
): Promise<IssuedApiKey> {
  const name = normaliseApiKeyName(input.name);
  const notFound = new DomainError("not_found", `organization ${input.orgId} does not exist`);
  // A malformed id cannot name an organisation; checking here avoids a Postgres cast error.
  if (!isUuid(input.orgId)) throw notFound;
  return prisma.$transaction(async (tx) => {
    // FOR SHARE keeps the organisation from being deleted between this check and the insert.
    const found = await tx.$queryRaw<{ id: string }[]>`
      SELECT id::text FROM organizations WHERE id = ${input.orgId}::uuid FOR SHARE`;
    if (found.length === 0) throw notFound;
    return insertApiKey(tx, { orgId: input.orgId, name });
  });
}

/** Keys of an organisation, oldest first, including revoked ones (they explain past access). */
export async function listApiKeys(prisma: Prisma, orgId: string): Promise<ApiKeySummary[]> {
  if (!isUuid(orgId)) return [];
  return prisma.apiKey.findMany({
    where: { orgId },
    select: summarySelect,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
}

/**
 * Revokes a key. Idempotent: revoking twice keeps the first revocation time. Returns the key,
 * or null when no key has this id.
 */
export async function revokeApiKey(
  prisma: Prisma,
  keyId: string,
  at: Date = new Date(),
): Promise<ApiKeySummary | null> {
  if (!isUuid(keyId)) return null;
  await prisma.apiKey.updateMany({ where: { id: keyId, revokedAt: null }, data: { revokedAt: at } });
  return prisma.apiKey.findUnique({ where: { id: keyId }, select: summarySelect });
}

/**
 * The key and organisation a secret's hash authenticates, or null when unknown or revoked. The
 * organisation's rate limit comes along, so the API caches it with the key and reads no table
 * per request.
 */
export async function findActiveApiKeyByHash(
  prisma: Prisma,
  secretHash: string,
): Promise<ActiveApiKey | null> {
  const key = await prisma.apiKey.findUnique({
    where: { secretHash },
    select: {
      id: true,
      orgId: true,
      revokedAt: true,
      org: { select: { rateLimitPerMinute: true, itemsRateLimitPerMinute: true } },
    },
  });
  if (key === null || key.revokedAt !== null) return null;
  return {
    keyId: key.id,
    orgId: key.orgId,
    rateLimitPerMinute: key.org.rateLimitPerMinute,
    itemsRateLimitPerMinute: key.org.itemsRateLimitPerMinute,
  };
}

/**
 * Records that a key was used. Never moves the time backwards, so concurrent API processes
 * flushing stale timestamps cannot overwrite a newer one.
 */
export async function touchApiKeyLastUsed(prisma: Prisma, keyId: string, at: Date): Promise<void> {
  if (!isUuid(keyId)) return;
  await prisma.apiKey.updateMany({
    where: { id: keyId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: at } }] },
    data: { lastUsedAt: at },
  });
}
