import type { AccountRecord, ContactRecord } from "@upsert/domain";
import {
  type AccountRow,
  accountColumnsOf,
  accountRecordOfRow,
  type ContactRow,
  contactColumnsOf,
  contactRecordOfRow,
  type IntakeRow,
  intakeRecordOfRow,
} from "../statements/records";
import { type Queryable, runStatement } from "../statements/run-statement";
import type { IntakeRecord } from "./intake.repository";

export interface EnrichmentWork {
  request: IntakeRecord;
  /** What the request's write left to enrich (stored with the write). */
  target: { contactId: string | null; accountId: string | null };
  /** The request's contact as it is now, with its row version; null when none or deleted. */
  contact: { record: ContactRecord; row: ContactRow; tagNames: string[]; version: string } | null;
  /** The account to enrich as it is now, with its row version; null when none or deleted. */
  account: { record: AccountRecord; row: AccountRow; version: string } | null;
}

/** What an enrichment job works on, in one statement (load_enrichment_work); null when gone. */
export async function loadEnrichmentWork(db: Queryable, requestId: string): Promise<EnrichmentWork | null> {
  const rows = await runStatement<{
    request: IntakeRow;
    contact: (ContactRow & { version: string; tag_names: string[] }) | null;
    account: (AccountRow & { version: string }) | null;
  }>(db, "load_enrichment_work", "SELECT request, contact, account FROM load_enrichment_work($1)", [
    requestId,
  ]);
  const row = rows[0];
  if (!row) return null;
  const { contact, account } = row;
  return {
    request: intakeRecordOfRow(row.request),
    target: { contactId: row.request.enrichment_contact_id, accountId: row.request.enrichment_account_id },
    contact: contact
      ? {
          record: contactRecordOfRow(contact),
          row: contact,
          tagNames: contact.tag_names,
          version: contact.version,
        }
      : null,
    account: account ? { record: accountRecordOfRow(account), row: account, version: account.version } : null,
  };
}

export type EnrichmentApplied = "applied" | "stale" | "done";

/**
 * Records an enrichment in one statement (apply_enrichment): the merged contact and account and
 * the request's result, under the intake row's lock, while enrichment is still owed, and only if
 * the records are still the `version` the merge started from. `stale`: nothing written, merge
 * again from a fresh read; `done`: another run recorded it first.
 */
export async function applyEnrichment(
  db: Queryable,
  input: {
    requestId: string;
    contact: { record: ContactRecord; version: string; filledFields: string[]; error: string | null } | null;
    account: { record: AccountRecord; version: string; error: string | null } | null;
    result: unknown;
    now: Date;
  },
): Promise<EnrichmentApplied> {
  const { contact, account } = input;
  const rows = await runStatement<{ outcome: EnrichmentApplied }>(
    db,
    "apply_enrichment",
    "SELECT apply_enrichment($1, $2, $3, $4, $5) AS outcome",
    [
      input.requestId,
      contact
        ? JSON.stringify({
            ...contactColumnsOf(contact.record),
            enriched_fields: contact.filledFields,
            enrichment_error: contact.error,
            version: contact.version,
          })
        : null,
      account
        ? JSON.stringify({
            ...accountColumnsOf(account.record, { enrichment_error: account.error }),
            version: account.version,
          })
        : null,
      JSON.stringify(input.result),
      input.now,
    ],
  );
  return rows[0]?.outcome ?? "done";
}
