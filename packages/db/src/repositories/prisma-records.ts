import type { AccountRecord, ContactRecord, EnrichmentStatus, FieldProvenance } from "@upsert/domain";
import type { PrismaClient } from "../generated/prisma/client";

type ContactRow = Awaited<ReturnType<PrismaClient["contact"]["findFirstOrThrow"]>> & {
  tags: { tagId: string }[];
};
type AccountRow = Awaited<ReturnType<PrismaClient["account"]["findFirstOrThrow"]>>;

// Prisma rows (admin and read paths) as domain records; the request path's rows are mapped in
// statements/records.ts.

export function toContactRecord(row: ContactRow): ContactRecord {
  return {
    id: row.id,
    email: row.email,
    emailNormalized: row.emailNormalized,
    linkedinUrl: row.linkedinCanonical,
    firstName: row.firstName,
    lastName: row.lastName,
    title: row.title,
    phoneNumber: row.phoneNumber,
    location: row.location,
    doNotContact: row.doNotContact,
    accountId: row.accountId,
    customFields: row.customFields as unknown as ContactRecord["customFields"],
    fieldProvenance: row.fieldProvenance as unknown as FieldProvenance,
    tagIds: row.tags.map((t) => t.tagId).sort(),
    createdSeq: row.createdSeq === null ? null : Number(row.createdSeq),
    enrichmentStatus: row.enrichmentStatus as EnrichmentStatus,
    enrichmentProvider: row.enrichmentProvider,
  };
}

export function toAccountRecord(row: AccountRow): AccountRecord {
  return {
    id: row.id,
    domain: row.domain,
    name: row.name,
    description: row.description,
    industries: row.industries,
    employeeCount: row.employeeCount,
    foundedYear: row.foundedYear,
    linkedinUrl: row.linkedinUrl,
    status: row.status,
    notes: row.notes,
    fieldProvenance: row.fieldProvenance as unknown as FieldProvenance,
    enrichmentStatus: row.enrichmentStatus as EnrichmentStatus,
    enrichmentProvider: row.enrichmentProvider,
  };
}
