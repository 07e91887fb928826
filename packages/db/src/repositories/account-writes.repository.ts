import type { AccountRecord } from "@upsert/domain";
import { type AccountRow, accountColumnsOf, accountRecordOfRow } from "../statements/records";
import { runStatement, type Tx } from "../statements/run-statement";

/** The org's account with this domain, row-locked, with its stored row; null when there is none. */
export async function loadAccountByDomainForUpdate(
  tx: Tx,
  orgId: string,
  domain: string,
): Promise<{ record: AccountRecord; row: AccountRow } | null> {
  const rows = await runStatement<{ account: AccountRow | null }>(
    tx,
    "load_account_by_domain_for_update",
    "SELECT load_account_by_domain_for_update($1, $2) AS account",
    [orgId, domain],
  );
  const row = rows[0]?.account;
  return row ? { record: accountRecordOfRow(row), row } : null;
}

/**
 * The write of a `PUT /v1/accounts` request in one statement (write_account_upsert): insert or
 * update the account and mark the request written (a created account is owed enrichment).
 * Returns the requests waiting on its keys, to wake.
 */
export async function writeAccountUpsert(
  tx: Tx,
  write: {
    request: { id: string; orgId: string; seq: bigint };
    keys: readonly string[];
    account: AccountRecord;
    isNew: boolean;
    result: unknown;
    now: Date;
  },
): Promise<string[]> {
  const rows = await runStatement<{ next: string[] }>(
    tx,
    "write_account_upsert",
    "SELECT write_account_upsert($1, $2, $3, $4, $5, $6, $7, $8) AS next",
    [
      write.request.id,
      write.request.orgId,
      write.request.seq,
      [...write.keys],
      JSON.stringify(accountColumnsOf(write.account)),
      write.isNew,
      JSON.stringify(write.result),
      write.now,
    ],
  );
  return rows[0]?.next ?? [];
}
