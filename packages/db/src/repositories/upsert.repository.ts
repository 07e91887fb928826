import type {
  AccountRecord,
  ContactRecord,
  CustomFieldDefinition,
  EnrichmentStatus,
  FieldProvenance,
  SnapshotLookups,
  TagRecord,
  UpsertSnapshot,
} from "@upsert/domain";
import type { PrismaClient, Prisma as PrismaNs } from "../generated/prisma/client";
import type { IntakeRecord } from "./intake.repository";

/** A Prisma interactive-transaction client: the unit of work of the upsert write path. */
export type Tx = PrismaNs.TransactionClient;

type ContactRow = Awaited<ReturnType<PrismaClient["contact"]["findFirstOrThrow"]>> & {
  tags: { tagId: string }[];
};
type AccountRow = Awaited<ReturnType<PrismaClient["account"]["findFirstOrThrow"]>>;

/** Runs `fn` in one transaction (READ COMMITTED). Keep it short: locks are held until it ends. */
export function runInTransaction<T>(prisma: PrismaClient, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return prisma.$transaction(fn, { maxWait: 10_000, timeout: 30_000 });
}

/**
 * Transaction-scoped advisory locks on identity keys, one statement each in sorted order: every
 * worker takes blocking locks in the same order, so two workers cannot deadlock on them.
 */
export async function lockIdentityKeys(tx: Tx, orgId: string, keys: readonly string[]): Promise<void> {
  for (const key of [...new Set(keys)].sort()) {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${orgId}:${key}`}, 0))`;
  }
}

/**
 * Locks the intake row for the rest of the transaction and returns it. Two runs of one job (a
 * stalled job handed to a second worker) serialise here; the second then sees the first's write.
 */
export async function lockIntakeRequest(tx: Tx, id: string): Promise<IntakeRecord | null> {
  await tx.$queryRaw`SELECT 1 FROM intake_requests WHERE id = ${id}::uuid FOR UPDATE`;
  return tx.intakeRequest.findUnique({ where: { id } });
}

/** lockIntakeRequest, for a write: the row, or null when it is gone or already written or failed. */
export async function lockUnwrittenRequest(tx: Tx, id: string): Promise<IntakeRecord | null> {
  const current = await lockIntakeRequest(tx, id);
  if (!current || current.writtenAt || current.status === "succeeded" || current.status === "failed")
    return null;
  return current;
}

/**
 * The ordering rule: is there an earlier request of the org, not yet written, that shares one of
 * these identity keys? If so the later request must wait for it.
 */
export async function hasEarlierUnwrittenRequest(
  tx: PrismaClient | Tx,
  input: { orgId: string; seq: bigint; keys: string[] },
): Promise<boolean> {
  if (input.keys.length === 0) return false;
  const rows = await tx.$queryRaw<{ found: number }[]>`
    SELECT 1 AS found FROM intake_requests
    WHERE org_id = ${input.orgId}::uuid AND seq < ${input.seq} AND written_at IS NULL
      AND status IN ('queued', 'running') AND identity_keys && ${input.keys}::text[]
    LIMIT 1`;
  return rows.length > 0;
}

/**
 * For each of these identity keys, the next unwritten request (by acceptance order) that has it:
 * the requests to wake once the current one is written. Per key, so every chain moves on.
 */
export async function findNextUnwrittenRequests(
  db: PrismaClient | Tx,
  input: { orgId: string; seq: bigint; keys: string[] },
): Promise<string[]> {
  if (input.keys.length === 0) return [];
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT DISTINCT ON (key) id FROM intake_requests, unnest(identity_keys) AS key
    WHERE org_id = ${input.orgId}::uuid AND seq > ${input.seq} AND written_at IS NULL
      AND status IN ('queued', 'running') AND identity_keys && ${input.keys}::text[]
      AND key = ANY(${input.keys}::text[])
    ORDER BY key, seq`;
  return [...new Set(rows.map((row) => row.id))];
}

/**
 * Queued, unwritten requests that no earlier unwritten request shares an email or LinkedIn key
 * with: the heads of the waiting chains, which may run now. Waiters are normally woken by their
 * predecessor's worker; this is how a wake-up lost with a crashed worker is made up for.
 */
export async function findRunnableWaitingRequests(
  db: PrismaClient,
  input: { acceptedBefore: Date; limit: number },
): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT r.id FROM intake_requests r
    WHERE r.status = 'queued' AND r.written_at IS NULL AND r.created_at < ${input.acceptedBefore}
      AND NOT EXISTS (
        SELECT 1 FROM intake_requests e
        WHERE e.org_id = r.org_id AND e.seq < r.seq AND e.written_at IS NULL
          AND e.status IN ('queued', 'running')
          AND e.identity_keys && ARRAY(SELECT k FROM unnest(r.identity_keys) AS k WHERE k NOT LIKE 'domain:%'))
    ORDER BY r.seq
    LIMIT ${input.limit}`;
  return rows.map((row) => row.id);
}

/** Loads exactly the slice of the org that `planUpsert` reads. */
export async function loadUpsertSnapshot(
  tx: Tx,
  orgId: string,
  lookups: SnapshotLookups,
): Promise<UpsertSnapshot> {
  // Row locks on the matched contacts: the enrichment merge locks the same row, so a write never
  // starts from a state read before an enrichment committed (which it would then overwrite).
  await tx.$queryRaw`SELECT 1 FROM contacts WHERE org_id = ${orgId}::uuid
    AND (email_normalized = ${lookups.emailNormalized} OR linkedin_canonical = ${lookups.linkedinUrl})
    ORDER BY id FOR UPDATE`;
  const [byEmail, byLinkedin, accounts, tags, customFields] = await Promise.all([
    lookups.emailNormalized
      ? tx.contact.findUnique({
          where: { orgId_emailNormalized: { orgId, emailNormalized: lookups.emailNormalized } },
          include: { tags: { select: { tagId: true } } },
        })
      : null,
    lookups.linkedinUrl
      ? tx.contact.findUnique({
          where: { orgId_linkedinCanonical: { orgId, linkedinCanonical: lookups.linkedinUrl } },
          include: { tags: { select: { tagId: true } } },
        })
      : null,
    lookups.accountIds.length + lookups.domains.length > 0
      ? tx.account.findMany({
          where: { orgId, OR: [{ id: { in: lookups.accountIds } }, { domain: { in: lookups.domains } }] },
        })
      : [],
    lookups.tagIds.length > 0 ? tx.tag.findMany({ where: { orgId, id: { in: lookups.tagIds } } }) : [],
    lookups.customFieldIds.length > 0
      ? tx.customField.findMany({ where: { orgId, id: { in: lookups.customFieldIds } } })
      : [],
  ]);
  const accountRecords = accounts.map(toAccountRecord);
  return {
    contactByEmail: byEmail ? toContactRecord(byEmail) : null,
    contactByLinkedin: byLinkedin ? toContactRecord(byLinkedin) : null,
    accountsById: new Map(accountRecords.map((a) => [a.id, a])),
    accountsByDomain: new Map(
      accountRecords.filter((a) => a.domain !== null).map((a) => [a.domain as string, a]),
    ),
    tagsById: new Map(tags.map((t): [string, TagRecord] => [t.id, { id: t.id, objectType: t.objectType }])),
    customFieldsById: new Map(
      customFields.map((f): [string, CustomFieldDefinition] => [
        f.id,
        { id: f.id, entity: f.entity, type: f.type, options: f.options },
      ]),
    ),
  };
}

/** Inserts an account the plan created. The caller holds the domain's lock, so no race. */
export async function insertAccount(tx: Tx, orgId: string, account: AccountRecord): Promise<void> {
  await tx.account.create({ data: { ...accountData(account), id: account.id, orgId } });
}

/** Writes the full new state of a contact (insert or update) and appends tags. */
export async function saveContact(
  tx: Tx,
  orgId: string,
  contact: ContactRecord,
  options: { isNew: boolean; source?: string; addedTagIds?: string[] },
): Promise<void> {
  const data = contactData(contact);
  if (options.isNew) {
    await tx.contact.create({ data: { ...data, id: contact.id, orgId, source: options.source ?? null } });
  } else {
    await tx.contact.update({ where: { id: contact.id }, data });
  }
  const tagIds = options.addedTagIds ?? [];
  if (tagIds.length > 0) {
    await tx.contactTag.createMany({
      data: tagIds.map((tagId) => ({ contactId: contact.id, tagId })),
      skipDuplicates: true,
    });
  }
}

export async function loadContactForUpdate(tx: Tx, id: string): Promise<ContactRecord | null> {
  await tx.$queryRaw`SELECT 1 FROM contacts WHERE id = ${id}::uuid FOR UPDATE`;
  const row = await tx.contact.findUnique({ where: { id }, include: { tags: { select: { tagId: true } } } });
  return row ? toContactRecord(row) : null;
}

/** The org's account with this domain, row-locked; null when there is none. */
export async function loadAccountByDomainForUpdate(
  tx: Tx,
  orgId: string,
  domain: string,
): Promise<AccountRecord | null> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM accounts WHERE org_id = ${orgId}::uuid AND domain = ${domain} FOR UPDATE`;
  const id = rows[0]?.id;
  return id ? loadAccountForUpdate(tx, id) : null;
}

/** Writes an existing account's new state (a `PUT /v1/accounts` update). */
export async function updateAccount(tx: Tx, account: AccountRecord): Promise<void> {
  await tx.account.update({ where: { id: account.id }, data: accountData(account) });
}

export async function loadAccountForUpdate(tx: Tx, id: string): Promise<AccountRecord | null> {
  await tx.$queryRaw`SELECT 1 FROM accounts WHERE id = ${id}::uuid FOR UPDATE`;
  const row = await tx.account.findUnique({ where: { id } });
  return row ? toAccountRecord(row) : null;
}

/** A re-enrichment is owed: the contact waits for the provider again (its values stay). */
export async function markContactEnrichmentPending(tx: Tx, id: string): Promise<void> {
  await tx.contact.update({ where: { id }, data: { enrichmentStatus: "pending", enrichmentError: null } });
}

export async function saveContactEnrichment(
  tx: Tx,
  contact: ContactRecord,
  details: { filledFields: string[]; error: string | null },
): Promise<void> {
  await tx.contact.update({
    where: { id: contact.id },
    data: {
      ...contactData(contact),
      enrichedFields: details.filledFields,
      enrichmentError: details.error,
      enrichedAt: new Date(),
    },
  });
}

export async function saveAccountEnrichment(
  tx: Tx,
  account: AccountRecord,
  details: { error: string | null },
): Promise<void> {
  await tx.account.update({
    where: { id: account.id },
    data: { ...accountData(account), enrichmentError: details.error, enrichedAt: new Date() },
  });
}

/** Claims the request for a run: status running, one more attempt, stage matching. */
export async function markRequestRunning(prisma: PrismaClient, id: string): Promise<IntakeRecord | null> {
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    UPDATE intake_requests
    SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, now()),
        stage = 'matching'::job_stage
    WHERE id = ${id}::uuid AND status IN ('queued', 'running')
    RETURNING id`;
  if (rows.length === 0) return null;
  return prisma.intakeRequest.findUnique({ where: { id } });
}

/**
 * The request waits for an earlier one: to its caller it is queued again, and this run does not
 * count as an attempt (attempts count runs that could do their work: crashes, retries).
 */
export async function recordRequestWaiting(tx: PrismaClient | Tx, id: string): Promise<void> {
  await tx.$executeRaw`
    UPDATE intake_requests SET status = 'queued', stage = NULL, attempts = GREATEST(attempts - 1, 0)
    WHERE id = ${id}::uuid AND status = 'running'`;
}

/**
 * Records the write of a request, which finishes it: `succeeded`, with enrichment owed (its job
 * still to run) when the request created a contact or an account.
 */
export async function recordRequestWritten(
  tx: Tx,
  id: string,
  input: { contactId: string | null; result: Record<string, unknown>; enrichmentOwed: boolean },
): Promise<void> {
  const now = new Date();
  await tx.intakeRequest.update({
    where: { id },
    data: {
      contactId: input.contactId,
      writtenAt: now,
      result: input.result as PrismaNs.InputJsonObject,
      status: "succeeded",
      stage: null,
      finishedAt: now,
      enrichmentDueAt: input.enrichmentOwed ? now : null,
    },
  });
}

/** The request's enrichment job has finished: its result now says how enrichment went. */
export async function recordEnrichmentFinished(
  tx: Tx,
  id: string,
  result: Record<string, unknown>,
): Promise<void> {
  await tx.intakeRequest.update({
    where: { id },
    data: { result: result as PrismaNs.InputJsonObject, enrichmentDueAt: null, enrichedAt: new Date() },
  });
}

export async function recordRequestFailed(
  db: PrismaClient | Tx,
  id: string,
  error: { code: string; message: string; details?: unknown },
): Promise<void> {
  await db.intakeRequest.update({
    where: { id },
    data: { status: "failed", stage: null, error: error as PrismaNs.InputJsonValue, finishedAt: new Date() },
  });
}

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

function contactData(contact: ContactRecord) {
  return {
    email: contact.email,
    emailNormalized: contact.emailNormalized,
    linkedinUrl: contact.linkedinUrl,
    linkedinCanonical: contact.linkedinUrl,
    firstName: contact.firstName,
    lastName: contact.lastName,
    title: contact.title,
    phoneNumber: contact.phoneNumber,
    location: contact.location,
    doNotContact: contact.doNotContact,
    accountId: contact.accountId,
    customFields: contact.customFields as PrismaNs.InputJsonObject,
    fieldProvenance: contact.fieldProvenance as unknown as PrismaNs.InputJsonObject,
    createdSeq: contact.createdSeq === null ? null : BigInt(contact.createdSeq),
    enrichmentStatus: contact.enrichmentStatus,
    enrichmentProvider: contact.enrichmentProvider,
  };
}

function accountData(account: AccountRecord) {
  return {
    domain: account.domain,
    name: account.name,
    description: account.description,
    industries: account.industries,
    employeeCount: account.employeeCount,
    foundedYear: account.foundedYear,
    linkedinUrl: account.linkedinUrl,
    status: account.status,
    notes: account.notes,
    fieldProvenance: account.fieldProvenance as unknown as PrismaNs.InputJsonObject,
    enrichmentStatus: account.enrichmentStatus,
    enrichmentProvider: account.enrichmentProvider,
  };
}
