import { findContactDetails, type Prisma, type Tx } from "@upsert/db";
import { toContactResponse } from "@upsert/domain";

/** The contact as the job result shows it: Monaco's ContactResponse shape, read in `db`. */
export async function loadContactResponse(db: Prisma | Tx, orgId: string, contactId: string) {
  const details = await findContactDetails(db, orgId, contactId);
  return details ? toContactResponse(details) : null;
}
