import {
  type ContactRow,
  type IntakeRecord,
  type LoadedUpsertSnapshot,
  loadUpsertSnapshot,
  type Pool,
  writeContactUpsert,
} from "@upsert/db";
import {
  type ContactRecord,
  contactUpsertJobResult,
  enrichmentTargetOf,
  planUpsert,
  selectSnapshotLookups,
  toContactResponse,
  type UpsertContactPayload,
  type UpsertPlan,
} from "@upsert/domain";
import { v7 as uuidv7 } from "uuid";
import { type OrderedWriteOptions, runOrderedWrite, type WriteOutcome } from "./ordered-write";

/** The write of a `contact.create` request (POST /v1/contacts): an upsert that only creates. */
export function writeCreate(
  pool: Pool,
  request: IntakeRecord,
  options: OrderedWriteOptions,
): Promise<WriteOutcome> {
  return writeUpsert(pool, request, { ...options, createOnly: true });
}

/**
 * The write of a contact upsert: read the slice of the org the plan reads (one statement), plan
 * (pure domain code), and write the account, contact, tags and the intake row's transition (one
 * statement, which checks the slice is unchanged).
 */
export function writeUpsert(
  pool: Pool,
  request: IntakeRecord,
  options: OrderedWriteOptions & { createOnly?: boolean },
): Promise<WriteOutcome> {
  const payload = request.payload as UpsertContactPayload;
  const lookups = selectSnapshotLookups(payload);
  const seq = Number(request.seq);
  return runOrderedWrite(request, options, async (ordered) => {
    const loaded = await loadUpsertSnapshot(pool, request.orgId, lookups);
    const plan = planUpsert(
      loaded.snapshot,
      { seq, payload },
      { newContactId: uuidv7(), newAccountId: uuidv7() },
    );
    const now = new Date();
    const write = { ordered: ordered(plan.identityKeys), lookups, fingerprint: loaded.fingerprint, now };
    // POST /v1/contacts: a person who exists (by email or LinkedIn URL) is a conflict, not an update.
    if (plan.kind === "failed" || (options.createOnly && plan.previous)) {
      const error = plan.kind === "failed" ? plan.error : existingContactConflict(plan);
      const outcome = await writeContactUpsert(pool, write, { error });
      return { outcome, owesEnrichment: false, keys: plan.identityKeys };
    }
    // Enrichment is owed for what this request created: the contact, a new account, or both.
    const target = enrichmentTargetOf(plan, seq);
    const source = plan.previous ? (loaded.contactRows.get(plan.previous.id)?.source ?? null) : "api";
    const contact = contactResponseAfterWrite(loaded, plan.contact, plan.previous?.id ?? null, source, now);
    const outcome = await writeContactUpsert(pool, write, {
      contact: plan.contact,
      isNew: plan.action === "created",
      source,
      newAccount: plan.account.action === "create" ? plan.account.record : null,
      addedTagIds: plan.addedTagIds,
      result: contactUpsertJobResult(plan.result, contact, plan.enrich),
      enrichment: { contactId: target?.contactId ?? null, accountId: target?.createdAccountId ?? null },
    });
    return { outcome, owesEnrichment: target !== null, keys: plan.identityKeys };
  });
}

function existingContactConflict(plan: Extract<UpsertPlan, { kind: "write" }>) {
  const field = plan.matchedBy ?? "email";
  return {
    code: "conflict",
    message: `A contact with this ${field} already exists; nothing was written.`,
    details: { contact_id: plan.previous?.id ?? null, field },
  };
}

/**
 * The contact as `GET /v1/contacts/:id` will show it once the write commits, built from what the
 * snapshot read (no read after the write): stored facts of the matched contact, tags in display
 * order, and `now` as the write's time.
 */
function contactResponseAfterWrite(
  loaded: LoadedUpsertSnapshot,
  record: ContactRecord,
  previousId: string | null,
  source: string | null,
  now: Date,
) {
  const stored: ContactRow | undefined = previousId ? loaded.contactRows.get(previousId) : undefined;
  const tagIds = new Set(record.tagIds);
  return toContactResponse({
    record,
    source,
    tagNames: loaded.tagOrder.filter((tag) => tagIds.has(tag.id)).map((tag) => tag.name),
    createdAt: stored ? new Date(stored.created_at) : now,
    updatedAt: now,
    enrichedAt: stored?.enriched_at ? new Date(stored.enriched_at) : null,
    enrichedFields: stored?.enriched_fields ?? [],
    enrichmentError: stored?.enrichment_error ?? null,
  });
}
