import type { AccountRecord, ContactRecord, SnapshotLookups } from "@upsert/domain";
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

/** The org's contact with this id, as stored, with its row version; null when none. */
export async function loadContactById(
  db: Queryable,
  orgId: string,
  contactId: string,
): Promise<{ record: ContactRecord; row: ContactRow; version: string } | null> {
  const rows = await runStatement<{ contact: (ContactRow & { version: string }) | null }>(
    db,
    "load_contact_by_id",
    "SELECT load_contact_by_id($1, $2) AS contact",
    [orgId, contactId],
  );
  const row = rows[0]?.contact;
  return row ? { record: contactRecordOfRow(row), row, version: row.version } : null;
}

/** The org's account with this id, as stored, with its row version; null when none. */
export async function loadAccountById(
  db: Queryable,
  orgId: string,
  accountId: string,
): Promise<{ record: AccountRecord; row: AccountRow; version: string } | null> {
  const rows = await runStatement<{ account: (AccountRow & { version: string }) | null }>(
    db,
    "load_account_by_id",
    "SELECT load_account_by_id($1, $2) AS account",
    [orgId, accountId],
  );
  const row = rows[0]?.account;
  return row ? { record: accountRecordOfRow(row), row, version: row.version } : null;
}

type PlanFailure = { code: string; message: string; details?: unknown };

/** What a write by id does once its locks are held and what it read is unchanged. */
export type ContactByIdChange =
  | { action: "fail"; error: PlanFailure }
  | { action: "patch"; contact: ContactRecord; result: unknown }
  | { action: "delete"; result: unknown };

/**
 * The write of a contact addressed by id in one statement (write_contact_by_id): the ordered
 * write's locks and checks; `stale` unless the contact is still `version` (null: still absent)
 * and, for a patch, the slice its plan read is unchanged; then the failure, the patch (tags
 * replaced), or the delete with the erasure of the contact's earlier requests.
 */
export async function writeContactById(
  db: Queryable,
  write: {
    ordered: OrderedWrite;
    contactId: string;
    version: string | null;
    /** The slice a patch's plan read (null when the plan read nothing else). */
    snapshot: { lookups: SnapshotLookups; fingerprint: unknown } | null;
    now: Date;
  },
  change: ContactByIdChange,
): Promise<OrderedWriteOutcome> {
  const { snapshot } = write;
  const rows = await runStatement<{ outcome: string; next: string[] }>(
    db,
    "write_contact_by_id",
    `SELECT outcome, next FROM write_contact_by_id(
       $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
    [
      ...orderedWriteValues(write.ordered),
      change.action,
      write.contactId,
      write.version,
      snapshot
        ? JSON.stringify({
            email: snapshot.lookups.emailNormalized,
            linkedin: snapshot.lookups.linkedinUrl,
            account_ids: snapshot.lookups.accountIds,
            domains: snapshot.lookups.domains,
            tag_ids: snapshot.lookups.tagIds,
            custom_field_ids: snapshot.lookups.customFieldIds,
          })
        : null,
      snapshot ? JSON.stringify(snapshot.fingerprint) : null,
      change.action === "fail" ? JSON.stringify(change.error) : null,
      change.action === "patch" ? JSON.stringify(contactColumnsOf(change.contact)) : null,
      change.action === "patch" ? change.contact.tagIds : [],
      change.action === "fail" ? null : JSON.stringify(change.result),
      write.now,
    ],
  );
  return toOrderedWriteOutcome(rows[0]);
}

export type AccountByIdChange =
  | { action: "fail"; error: PlanFailure }
  | { action: "patch"; account: AccountRecord; result: unknown }
  | { action: "delete"; result: unknown };

/**
 * The write of an account addressed by id in one statement (write_account_by_id): the ordered
 * write's locks and checks; `stale` unless the account is still `version` (null: still absent);
 * then the failure, the patch, or the delete (its contacts stay, their account cleared).
 */
export async function writeAccountById(
  db: Queryable,
  write: { ordered: OrderedWrite; accountId: string; version: string | null; now: Date },
  change: AccountByIdChange,
): Promise<OrderedWriteOutcome> {
  const rows = await runStatement<{ outcome: string; next: string[] }>(
    db,
    "write_account_by_id",
    "SELECT outcome, next FROM write_account_by_id($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    [
      ...orderedWriteValues(write.ordered),
      change.action,
      write.accountId,
      write.version,
      change.action === "fail" ? JSON.stringify(change.error) : null,
      change.action === "patch" ? JSON.stringify(accountColumnsOf(change.account)) : null,
      change.action === "fail" ? null : JSON.stringify(change.result),
      write.now,
    ],
  );
  return toOrderedWriteOutcome(rows[0]);
}
