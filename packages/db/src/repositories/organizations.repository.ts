import { DomainError } from "@upsert/domain";
import { validate as isUuid, v7 as uuidv7 } from "uuid";
import type { Prisma } from "../create-db";
import { type IssuedApiKey, insertApiKey } from "./api-keys.repository";

export interface OrganizationRecord {
  id: string;
  name: string;
  createdAt: Date;
  /** Requests per minute; null means the API's default (RATE_LIMIT_PER_MINUTE). */
  rateLimitPerMinute: number | null;
}

const organizationSelect = { id: true, name: true, createdAt: true, rateLimitPerMinute: true } as const;

/** Bounds of an organisation's own rate limit (the column's CHECK constraint says the same). */
export const rateLimitPerMinuteRange = { min: 1, max: 100_000 } as const;

export interface CreatedOrganization {
  org: OrganizationRecord;
  /** The organisation's first key; its secret is never retrievable again. */
  apiKey: IssuedApiKey;
}

const maxOrganizationNameLength = 200;

/**
 * Creates an organisation and its first API key in one transaction, so an organisation never
 * exists without a way to call the API.
 */
export async function createOrganization(
  prisma: Prisma,
  input: { name: string; keyName?: string },
): Promise<CreatedOrganization> {
  const name = input.name.trim();
  if (name.length === 0) throw new DomainError("unprocessable_entity", "organization name must not be empty");
  if (name.length > maxOrganizationNameLength) {
    throw new DomainError(
      "unprocessable_entity",
      `organization name must be at most ${maxOrganizationNameLength} characters`,
    );
  }
  return prisma.$transaction(async (tx) => {
    const org = await tx.organization.create({
      data: { id: uuidv7(), name },
      select: organizationSelect,
    });
    const apiKey = await insertApiKey(tx, { orgId: org.id, name: input.keyName });
    return { org, apiKey };
  });
}

/** The organisation with this id, or null (also for a malformed id, which can name none). */
export async function findOrganization(prisma: Prisma, orgId: string): Promise<OrganizationRecord | null> {
  if (!isUuid(orgId)) return null;
  return prisma.organization.findUnique({
    where: { id: orgId },
    select: organizationSelect,
  });
}

/**
 * Sets an organisation's requests-per-minute limit (null: back to the deployment's default).
 * Returns the organisation, or null when none has this id. Running APIs apply it once their
 * cached entry for the org's keys expires (API_KEY_CACHE_TTL_MS).
 */
export async function setOrganizationRateLimit(
  prisma: Prisma,
  orgId: string,
  perMinute: number | null,
): Promise<OrganizationRecord | null> {
  const { min, max } = rateLimitPerMinuteRange;
  if (perMinute !== null && (!Number.isInteger(perMinute) || perMinute < min || perMinute > max)) {
    throw new DomainError(
      "unprocessable_entity",
      `rate limit must be a whole number of requests per minute from ${min} to ${max}`,
    );
  }
  if (!isUuid(orgId)) return null;
  const updated = await prisma.organization.updateMany({
    where: { id: orgId },
    data: { rateLimitPerMinute: perMinute },
  });
  if (updated.count === 0) return null;
  return findOrganization(prisma, orgId);
}
