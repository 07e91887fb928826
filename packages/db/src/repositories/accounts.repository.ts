import type { AccountDetails } from "@upsert/domain";
import { validate as isUuid } from "uuid";
import type { PrismaClient } from "../generated/prisma/client";
import { toAccountRecord } from "./prisma-records";

type AccountRow = Awaited<ReturnType<PrismaClient["account"]["findFirstOrThrow"]>>;

/** The one mapping of an account row to what GET /v1/accounts/:id and list items show. */
export function toAccountDetails(row: AccountRow): AccountDetails {
  return {
    record: toAccountRecord(row),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    enrichedAt: row.enrichedAt,
  };
}

/**
 * The account with this id in this org, or null. Other orgs' ids and malformed ids are null too,
 * so callers cannot tell them apart.
 */
export async function findAccountDetails(
  db: PrismaClient,
  orgId: string,
  id: string,
): Promise<AccountDetails | null> {
  if (!isUuid(id)) return null;
  const row = await db.account.findFirst({ where: { id, orgId } });
  return row ? toAccountDetails(row) : null;
}

/** Whether the org has an account with this id (malformed ids and other orgs' accounts: no). */
export async function accountExists(db: PrismaClient, orgId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return (await db.account.count({ where: { id, orgId } })) > 0;
}
