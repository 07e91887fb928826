import type {
  AccountRecord,
  ContactRecord,
  CustomFieldDefinition,
  SnapshotLookups,
  TagRecord,
  UpsertSnapshot,
} from "@upsert/domain";
import {
  type AccountRow,
  accountColumnsOf,
  accountRecordOfRow,
  type ContactRow,
  contactColumnsOf,
  contactRecordOfRow,
} from "../statements/records";
import { runStatement, type Tx } from "../statements/run-statement";

/** What a contact write knows besides the plan's snapshot: how to show the contact afterwards. */
export interface LoadedUpsertSnapshot {
  snapshot: UpsertSnapshot;
  /** The matched contacts' rows as stored (source, timestamps, enrichment facts). */
  contactRows: ReadonlyMap<string, ContactRow>;
  /** Every tag involved (requested, or on a matched contact) in display order. */
  tagOrder: { id: string; name: string }[];
}

/**
 * Loads exactly the slice of the org that `planUpsert` reads, in one statement (see
 * load_upsert_snapshot): the matched contacts row-locked, accounts, tags and custom fields.
 */
export async function loadUpsertSnapshot(
  tx: Tx,
  orgId: string,
  lookups: SnapshotLookups,
): Promise<LoadedUpsertSnapshot> {
  const rows = await runStatement<{
    contacts: ContactRow[];
    accounts: AccountRow[];
    tags: { id: string; object_type: string }[];
    custom_fields: { id: string; entity: string; type: string; options: string[] | null }[];
    tag_order: { id: string; name: string }[];
  }>(
    tx,
    "load_upsert_snapshot",
    "SELECT contacts, accounts, tags, custom_fields, tag_order FROM load_upsert_snapshot($1, $2, $3, $4, $5, $6, $7)",
    [
      orgId,
      lookups.emailNormalized,
      lookups.linkedinUrl,
      lookups.accountIds,
      lookups.domains,
      lookups.tagIds,
      lookups.customFieldIds,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error("load_upsert_snapshot returned no row");
  const contacts = row.contacts.map((contact) => [contact, contactRecordOfRow(contact)] as const);
  const byEmail = contacts.find(
    ([, record]) => lookups.emailNormalized !== null && record.emailNormalized === lookups.emailNormalized,
  );
  const byLinkedin = contacts.find(
    ([, record]) => lookups.linkedinUrl !== null && record.linkedinUrl === lookups.linkedinUrl,
  );
  const accounts = row.accounts.map(accountRecordOfRow);
  return {
    snapshot: {
      contactByEmail: byEmail?.[1] ?? null,
      contactByLinkedin: byLinkedin?.[1] ?? null,
      accountsById: new Map(accounts.map((a) => [a.id, a])),
      accountsByDomain: new Map(
        accounts.filter((a) => a.domain !== null).map((a) => [a.domain as string, a]),
      ),
      tagsById: new Map(
        row.tags.map((t): [string, TagRecord] => [t.id, { id: t.id, objectType: t.object_type }]),
      ),
      customFieldsById: new Map(
        row.custom_fields.map((f): [string, CustomFieldDefinition] => [
          f.id,
          { id: f.id, entity: f.entity, type: f.type, options: f.options ?? [] },
        ]),
      ),
    },
    contactRows: new Map(row.contacts.map((contact) => [contact.id, contact])),
    tagOrder: row.tag_order,
  };
}

export interface ContactWrite {
  request: { id: string; orgId: string; seq: bigint };
  /** Every locked key: the ones whose next waiter is woken. */
  keys: readonly string[];
  contact: ContactRecord;
  isNew: boolean;
  source: string | null;
  /** An account the plan created (inserted first). */
  newAccount: AccountRecord | null;
  addedTagIds: readonly string[];
  /** The job result, stored on the intake row. */
  result: unknown;
  /** What the request's enrichment job is to enrich; both null when nothing is owed. */
  enrichment: { contactId: string | null; accountId: string | null };
  now: Date;
}

/**
 * The whole write of a contact upsert in one statement (write_contact_upsert): the created
 * account, the contact, its new tags, and the intake row written (succeeded). Returns the
 * requests waiting on its keys, to wake.
 */
export async function writeContactUpsert(tx: Tx, write: ContactWrite): Promise<string[]> {
  const rows = await runStatement<{ next: string[] }>(
    tx,
    "write_contact_upsert",
    "SELECT write_contact_upsert($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) AS next",
    [
      write.request.id,
      write.request.orgId,
      write.request.seq,
      [...write.keys],
      JSON.stringify(contactColumnsOf(write.contact, { source: write.source })),
      write.isNew,
      write.newAccount ? JSON.stringify(accountColumnsOf(write.newAccount)) : null,
      [...write.addedTagIds],
      JSON.stringify(write.result),
      write.enrichment.contactId,
      write.enrichment.accountId,
      write.now,
    ],
  );
  return rows[0]?.next ?? [];
}

/**
 * The write of a re-enrichment (write_reenrichment): the contact's enrichment is pending again
 * and the request written, owing an enrichment job. False (and the request failed with
 * `not_found`) when the contact is gone.
 */
export async function writeReenrichment(
  tx: Tx,
  input: { requestId: string; orgId: string; contactId: string; now: Date },
): Promise<boolean> {
  const rows = await runStatement<{ owed: boolean }>(
    tx,
    "write_reenrichment",
    "SELECT write_reenrichment($1, $2, $3, $4) AS owed",
    [input.requestId, input.orgId, input.contactId, input.now],
  );
  return rows[0]?.owed === true;
}
