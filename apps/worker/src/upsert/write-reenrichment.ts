import {
  type IntakeRecord,
  loadContactForUpdate,
  lockUnwrittenRequest,
  markContactEnrichmentPending,
  type Prisma,
  recordRequestFailed,
  recordRequestWritten,
  runInTransaction,
} from "@upsert/db";

/**
 * The write half of a `contact.enrich` request (POST /v1/contacts/:id/enrich): the contact's
 * enrichment becomes `pending` again and the request is marked written, owing an enrichment job
 * (the same one creates get) that asks the provider and merges fill-only. Returns whether that
 * job is owed; false when the request was finished before or the contact is gone.
 */
export async function writeReenrichment(prisma: Prisma, request: IntakeRecord): Promise<boolean> {
  const contactId = (request.payload as { contact_id: string }).contact_id;
  return runInTransaction(prisma, async (tx) => {
    const current = await lockUnwrittenRequest(tx, request.id);
    if (!current) {
      return false;
    }
    const contact = await loadContactForUpdate(tx, contactId);
    // The API checked that the contact is this org's; it can only have been deleted since.
    if (!contact) {
      await recordRequestFailed(tx, request.id, {
        code: "not_found",
        message: "The contact no longer exists.",
      });
      return false;
    }
    await markContactEnrichmentPending(tx, contact.id);
    await recordRequestWritten(tx, request.id, {
      contactId: contact.id,
      result: { action: "enrich", contact_id: contact.id, enrichment: "pending" },
      enrichmentOwed: true,
    });
    return true;
  });
}
