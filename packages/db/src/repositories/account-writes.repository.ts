import type { AccountRecord } from "@upsert/domain";
import { type AccountRow, accountColumnsOf, accountRecordOfRow } from "../statements/records";
import {
  type OrderedWrite,
  type OrderedWriteOutcome,
  orderedWriteValues,
  type Queryable,
  runStatement,
  toOrderedWriteOutcome,
} from "../statements/run-statement";

/** The org's account with this domain, with its stored row and row version; null when none. */
export async function loadAccountByDomain(
  db: Queryable,
  orgId: string,
  domain: string,
): Promise<{ record: AccountRecord; row: AccountRow; version: string } | null> {
  const rows = await runStatement<{ account: (AccountRow & { version: string }) | null }>(
    db,
    "load_account_by_domain",
    "SELECT load_account_by_domain($1, $2) AS account",
    [orgId, domain],
  );
  const row = rows[0]?.account;
  return row ? { record: accountRecordOfRow(row), row, version: row.version } : null;
}

/**
 * The write of a `PUT /v1/accounts` request in one statement (write_account_upsert): the ordered
 * write's locks and checks; `stale` unless the domain's account is still the version read (or
 * still absent); then insert or update the account and mark the request written (a created
 * account is owed enrichment).
 */
export async function writeAccountUpsert(
  db: Queryable,
  write: {
    ordered: OrderedWrite;
    domain: string;
    /** The row version the plan read; null when there was no account. */
    version: string | null;
    account: AccountRecord;
    isNew: boolean;
    result: unknown;
    now: Date;
  },
): Promise<OrderedWriteOutcome> {
  const rows = await runStatement<{ outcome: string; next: string[] }>(
    db,
    "write_account_upsert",
    "SELECT outcome, next FROM write_account_upsert($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    [
      ...orderedWriteValues(write.ordered),
      write.domain,
      write.version,
      JSON.stringify(accountColumnsOf(write.account)),
      write.isNew,
      JSON.stringify(write.result),
      write.now,
    ],
  );
  return toOrderedWriteOutcome(rows[0]);
}
