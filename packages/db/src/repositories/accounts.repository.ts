import type { AccountDetails } from "@upsert/domain";
import { validate as isUuid } from "uuid";
import type { PrismaClient } from "../generated/prisma/client";
import { toAccountRecord } from "./prisma-records";

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
  if (!row) return null;
  return {
    record: toAccountRecord(row),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    enrichedAt: row.enrichedAt,
  };
}

/** Whether the org has an account with this id (malformed ids and other orgs' accounts: no). */
export async function accountExists(db: PrismaClient, orgId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return (await db.account.count({ where: { id, orgId } })) > 0;
}
