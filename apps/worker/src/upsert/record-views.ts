import { findAccountDetails, findContactDetails, type Prisma, type Tx } from "@upsert/db";
import { toAccountResponse, toContactResponse } from "@upsert/domain";

/** The contact as the job result shows it: Monaco's ContactResponse shape, read in `db`. */
export async function loadContactResponse(db: Prisma | Tx, orgId: string, contactId: string) {
  const details = await findContactDetails(db, orgId, contactId);
  return details ? toContactResponse(details) : null;
}

/** The account as an account upsert's job result shows it: Monaco's AccountResponse shape. */
export async function loadAccountResponse(db: Prisma | Tx, orgId: string, accountId: string) {
  const details = await findAccountDetails(db, orgId, accountId);
  return details ? toAccountResponse(details) : null;
}
