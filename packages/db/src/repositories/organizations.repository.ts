import { DomainError } from "@upsert/domain";
import { validate as isUuid, v7 as uuidv7 } from "uuid";
import type { Prisma } from "../create-db";
import { type IssuedApiKey, insertApiKey } from "./api-keys.repository";

export interface OrganizationRecord {
  id: string;
  name: string;
  createdAt: Date;
}

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
      select: { id: true, name: true, createdAt: true },
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
    select: { id: true, name: true, createdAt: true },
  });
}
