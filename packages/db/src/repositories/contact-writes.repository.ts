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
import {
  type OrderedWrite,
  type OrderedWriteOutcome,
  orderedWriteValues,
  type Queryable,
  runStatement,
  toOrderedWriteOutcome,
} from "../statements/run-statement";

/** What a contact write knows besides the plan's snapshot: how to show the contact afterwards. */
export interface LoadedUpsertSnapshot {
  snapshot: UpsertSnapshot;
  /** The matched contacts' rows as stored (source, timestamps, enrichment facts). */
  contactRows: ReadonlyMap<string, ContactRow>;
  /** Every tag involved (requested, or on a matched contact) in display order. */
  tagOrder: { id: string; name: string }[];
  /** What the plan's decision depends on: the write checks it is unchanged (see ContactWrite). */
  fingerprint: unknown;
}

/**
 * Loads exactly the slice of the org that `planUpsert` reads, in one statement without locks (see
 * load_upsert_snapshot): the matched contacts, accounts, tags and custom fields, and the
 * fingerprint of it that the write checks.
 */
export async function loadUpsertSnapshot(
  db: Queryable,
  orgId: string,
  lookups: SnapshotLookups,
): Promise<LoadedUpsertSnapshot> {
  const rows = await runStatement<{
    contacts: ContactRow[];
    accounts: AccountRow[];
    tags: { id: string; object_type: string }[];
    custom_fields: { id: string; entity: string; type: string; options: string[] | null }[];
    tag_order: { id: string; name: string }[];
    fingerprint: unknown;
  }>(
    db,
    "load_upsert_snapshot",
    "SELECT contacts, accounts, tags, custom_fields, tag_order, fingerprint FROM load_upsert_snapshot($1, $2, $3, $4, $5, $6, $7)",
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
    fingerprint: row.fingerprint,
  };
}

export interface ContactWrite {
  /** The locks and checks every write takes first; `keys` are the plan's keys too. */
  ordered: OrderedWrite;
  /** The snapshot the plan was made from: the write is `stale` unless it still holds. */
  lookups: SnapshotLookups;
  fingerprint: unknown;
  now: Date;
}

/** What the plan decided to write. */
export interface ContactChange {
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
}

/**
 * The whole write of a contact upsert in one statement (write_contact_upsert): the ordered
 * write's locks and checks; the snapshot's check; then the plan's failure (`change` an error), or
 * the created account, the contact, its new tags and the intake row written (succeeded).
 */
export async function writeContactUpsert(
  db: Queryable,
  write: ContactWrite,
  change: ContactChange | { error: { code: string; message: string; details?: unknown } },
): Promise<OrderedWriteOutcome> {
  const failed = "error" in change ? change.error : null;
  const written = "error" in change ? null : change;
  const rows = await runStatement<{ outcome: string; next: string[] }>(
    db,
    "write_contact_upsert",
    `SELECT outcome, next FROM write_contact_upsert(
       $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
    [
      ...orderedWriteValues(write.ordered),
      JSON.stringify({
        email: write.lookups.emailNormalized,
        linkedin: write.lookups.linkedinUrl,
        account_ids: write.lookups.accountIds,
        domains: write.lookups.domains,
        tag_ids: write.lookups.tagIds,
        custom_field_ids: write.lookups.customFieldIds,
      }),
      JSON.stringify(write.fingerprint),
      failed ? JSON.stringify(failed) : null,
      written ? JSON.stringify(contactColumnsOf(written.contact, { source: written.source })) : null,
      written?.isNew ?? false,
      written?.newAccount ? JSON.stringify(accountColumnsOf(written.newAccount)) : null,
      written ? [...written.addedTagIds] : [],
      written ? JSON.stringify(written.result) : null,
      written?.enrichment.contactId ?? null,
      written?.enrichment.accountId ?? null,
      write.now,
    ],
  );
  return toOrderedWriteOutcome(rows[0]);
}

/**
 * The write of a re-enrichment (write_reenrichment): the contact's enrichment is pending again
 * and the request written, owing an enrichment job. `failed` (the request failed with
 * `not_found`) when the contact is gone.
 */
export async function writeReenrichment(
  db: Queryable,
  input: { ordered: OrderedWrite; contactId: string; now: Date },
): Promise<OrderedWriteOutcome | { kind: "failed" }> {
  const rows = await runStatement<{ outcome: string; next: string[] }>(
    db,
    "write_reenrichment",
    "SELECT outcome, next FROM write_reenrichment($1, $2, $3, $4, $5, $6)",
    [
      input.ordered.requestId,
      input.ordered.orgId,
      input.ordered.seq,
      input.ordered.attempt,
      input.contactId,
      input.now,
    ],
  );
  return rows[0]?.outcome === "failed" ? { kind: "failed" } : toOrderedWriteOutcome(rows[0]);
}
