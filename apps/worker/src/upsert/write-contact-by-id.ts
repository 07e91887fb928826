import {
  type IntakeRecord,
  loadContactById,
  loadUpsertSnapshot,
  type Pool,
  writeContactById,
} from "@upsert/db";
import {
  type ContactRecord,
  contactIdKeyOf,
  contactPatchJobResult,
  deletedJobResult,
  identityKeysOfContact,
  planContactPatch,
  selectSnapshotLookups,
  toContactResponse,
  type UpsertContactPayload,
} from "@upsert/domain";
import { type OrderedWriteOptions, runOrderedWrite, type WriteOutcome } from "./ordered-write";

const notFound = { code: "not_found", message: "No contact with this id." };

/** The identifiers a deleted contact's cached enrichment answers are filed under. */
export interface ErasedIdentity {
  email: string | null;
  linkedinUrl: string | null;
}

export interface ContactByIdWriteOptions extends OrderedWriteOptions {
  /** Deletes the organisation's cached enrichment answers about this person. */
  purge(identity: ErasedIdentity): Promise<unknown>;
}

/**
 * The keys a write addressed to a contact locks and is ordered by, besides the request's own
 * (`contact:<id>`, and a patch's new identifiers): the contact's identifiers as they are now, so
 * it waits for every earlier request that matches the contact (see guarantees.md, G2 for writes
 * by id).
 */
function keysOfStored(contactId: string, stored: { record: ContactRecord } | null): string[] {
  return [contactIdKeyOf(contactId), ...(stored ? identityKeysOfContact(stored.record) : [])];
}

/**
 * The write of a `contact.patch` request (PATCH /v1/contacts/:id): read the contact and the slice
 * the payload names, plan the patch (domain), and write it in one statement that checks both are
 * unchanged. A missing contact fails the request with `not_found`, a new email or LinkedIn URL
 * another contact has with `conflict`.
 */
export function writeContactPatch(
  pool: Pool,
  request: IntakeRecord,
  options: OrderedWriteOptions,
): Promise<WriteOutcome> {
  const { contact_id: contactId, ...payload } = request.payload as UpsertContactPayload & {
    contact_id: string;
  };
  const seq = Number(request.seq);
  return runOrderedWrite(request, options, async (ordered) => {
    const stored = await loadContactById(pool, request.orgId, contactId);
    const keys = keysOfStored(contactId, stored);
    const now = new Date();
    const write = { ordered: ordered(keys), contactId, version: stored?.version ?? null, now };
    if (!stored) {
      const outcome = await writeContactById(
        pool,
        { ...write, snapshot: null },
        { action: "fail", error: notFound },
      );
      return { outcome, owesEnrichment: false, keys };
    }
    // The tags the contact has after the patch are read too, for their names in the result.
    const tagsAfter = [...new Set(payload.tags ?? stored.record.tagIds)].sort();
    const lookups = { ...selectSnapshotLookups(payload), tagIds: tagsAfter };
    const loaded = await loadUpsertSnapshot(pool, request.orgId, lookups);
    const plan = planContactPatch(stored.record, loaded.snapshot, { seq, payload });
    const snapshot = { lookups, fingerprint: loaded.fingerprint };
    if (plan.kind === "failed") {
      const outcome = await writeContactById(
        pool,
        { ...write, snapshot },
        { action: "fail", error: plan.error },
      );
      return { outcome, owesEnrichment: false, keys };
    }
    const tagIds = new Set(plan.contact.tagIds);
    const tagNames = loaded.tagOrder.filter((tag) => tagIds.has(tag.id)).map((tag) => tag.name);
    const contact = toContactResponse({
      record: plan.contact,
      source: stored.row.source,
      tagNames,
      createdAt: new Date(stored.row.created_at),
      updatedAt: now,
      enrichedAt: stored.row.enriched_at ? new Date(stored.row.enriched_at) : null,
      enrichedFields: stored.row.enriched_fields ?? [],
      enrichmentError: stored.row.enrichment_error,
    });
    const outcome = await writeContactById(
      pool,
      { ...write, snapshot },
      { action: "patch", contact: plan.contact, result: contactPatchJobResult(contact) },
    );
    return { outcome, owesEnrichment: false, keys };
  });
}

/**
 * The write of a `contact.delete` request (DELETE /v1/contacts/:id): the contact goes, and with it
 * its personal data in the intake log (see write_contact_by_id). `erased` names the identifiers
 * whose cached enrichment answers the caller purges: before the write (a crash after the commit
 * leaves nothing to retry from) and after it (an answer cached in between).
 */
export function writeContactDelete(
  pool: Pool,
  request: IntakeRecord,
  options: ContactByIdWriteOptions,
): Promise<WriteOutcome> {
  const contactId = (request.payload as { contact_id: string }).contact_id;
  return runOrderedWrite(request, options, async (ordered) => {
    const stored = await loadContactById(pool, request.orgId, contactId);
    const keys = keysOfStored(contactId, stored);
    const write = {
      ordered: ordered(keys),
      contactId,
      version: stored?.version ?? null,
      snapshot: null,
      now: new Date(),
    };
    if (!stored) {
      const outcome = await writeContactById(pool, write, { action: "fail", error: notFound });
      return { outcome, owesEnrichment: false, keys };
    }
    const identity = { email: stored.record.emailNormalized, linkedinUrl: stored.record.linkedinUrl };
    await options.purge(identity);
    const outcome = await writeContactById(pool, write, {
      action: "delete",
      result: deletedJobResult({ contact_id: contactId }),
    });
    if (outcome.kind === "written") await options.purge(identity);
    return { outcome, owesEnrichment: false, keys };
  });
}
