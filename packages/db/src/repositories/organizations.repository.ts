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
  /** Batch items per minute; null means the API's default (RATE_LIMIT_ITEMS_PER_MINUTE). */
  itemsRateLimitPerMinute: number | null;
}

const organizationSelect = {
  id: true,
  name: true,
  createdAt: true,
  rateLimitPerMinute: true,
  itemsRateLimitPerMinute: true,
} as const;

/** Bounds of an organisation's own rate limit (the column's CHECK constraint says the same). */
export const rateLimitPerMinuteRange = { min: 1, max: 100_000 } as const;
/** Bounds of an organisation's own batch items limit (its column's CHECK constraint says the same). */
export const itemsRateLimitPerMinuteRange = { min: 1, max: 10_000_000 } as const;

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
export function setOrganizationRateLimit(
  prisma: Prisma,
  orgId: string,
  perMinute: number | null,
): Promise<OrganizationRecord | null> {
  return setOrganizationRateLimits(prisma, orgId, { perMinute });
}

/**
 * Sets an organisation's requests-per-minute and/or batch-items-per-minute limits (a limit left
 * out is unchanged; null: back to the deployment's default), as setOrganizationRateLimit does.
 */
export async function setOrganizationRateLimits(
  prisma: Prisma,
  orgId: string,
  limits: { perMinute?: number | null; itemsPerMinute?: number | null },
): Promise<OrganizationRecord | null> {
  const check = (value: number | null | undefined, range: { min: number; max: number }, unit: string) => {
    if (value === null || value === undefined) return;
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      throw new DomainError(
        "unprocessable_entity",
        `rate limit must be a whole number of ${unit} per minute from ${range.min} to ${range.max}`,
      );
    }
  };
  check(limits.perMinute, rateLimitPerMinuteRange, "requests");
  check(limits.itemsPerMinute, itemsRateLimitPerMinuteRange, "batch items");
  if (!isUuid(orgId)) return null;
  const updated = await prisma.organization.updateMany({
    where: { id: orgId },
    data: {
      ...(limits.perMinute === undefined ? {} : { rateLimitPerMinute: limits.perMinute }),
      ...(limits.itemsPerMinute === undefined ? {} : { itemsRateLimitPerMinute: limits.itemsPerMinute }),
    },
  });
  if (updated.count === 0) return null;
  return findOrganization(prisma, orgId);
}
