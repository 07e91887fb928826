import type { ContactDetails } from "@upsert/domain";
import { validate as isUuid } from "uuid";
import type { PrismaClient, Prisma as PrismaNs } from "../generated/prisma/client";
import { toContactRecord } from "./prisma-records";

/** What a contact's details are read with: its tags' names, alphabetical. */
export const contactDetailsInclude = {
  tags: {
    select: { tagId: true, tag: { select: { name: true } } },
    orderBy: [{ tag: { nameNormalized: "asc" } }, { tagId: "asc" }],
  },
} satisfies PrismaNs.ContactInclude;

type ContactDetailsRow = Awaited<ReturnType<PrismaClient["contact"]["findFirstOrThrow"]>> & {
  tags: { tagId: string; tag: { name: string } }[];
};

/** The one mapping of a contact row to what GET /v1/contacts/:id and list items show. */
export function toContactDetails(row: ContactDetailsRow): ContactDetails {
  return {
    record: toContactRecord(row),
    source: row.source,
    tagNames: row.tags.map((t) => t.tag.name),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    enrichedAt: row.enrichedAt,
    enrichedFields: row.enrichedFields,
    enrichmentError: row.enrichmentError,
  };
}

/**
 * The contact with this id in this org, with its tag names (alphabetical) and timestamps; null
 * when there is none. Other orgs' ids and malformed ids are "none" too, so callers cannot tell them
 * apart.
 */
export async function findContactDetails(
  db: PrismaClient,
  orgId: string,
  id: string,
): Promise<ContactDetails | null> {
  if (!isUuid(id)) return null;
  const row = await db.contact.findFirst({ where: { id, orgId }, include: contactDetailsInclude });
  return row ? toContactDetails(row) : null;
}

/** Whether the org has a contact with this id (malformed ids and other orgs' contacts: no). */
export async function contactExists(db: PrismaClient, orgId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return (await db.contact.count({ where: { id, orgId } })) > 0;
}
