import type { AccountDetails, ContactDetails, ListQuery } from "@upsert/domain";
import type { PrismaClient } from "../generated/prisma/client";
import { toAccountDetails } from "./accounts.repository";
import { contactDetailsInclude, toContactDetails } from "./contacts.repository";
import { compileListQuery } from "./list-compiler";

export interface ListPage<T> {
  items: T[];
  /** Exact when `totalCountExact`; otherwise a lower bound (at least this many match). */
  totalCount: number;
  totalCountExact: boolean;
}

export interface ListOptions {
  /**
   * Rows counted past the requested page before the count stops: an exact count of a broad filter
   * over a million rows reads every one of them; past this the answer says "at least".
   */
  countLimit: number;
}

async function listIds(
  db: PrismaClient,
  orgId: string,
  query: ListQuery,
  options: ListOptions,
): Promise<{ ids: string[]; totalCount: number; totalCountExact: boolean }> {
  const compiled = compileListQuery(orgId, query);
  const offset = (query.page - 1) * query.pageSize;
  const { values, filterValueCount } = compiled;
  const pageSql = `SELECT r.id::text AS id ${compiled.from} ${compiled.orderBy} LIMIT $${values.length + 1}::int OFFSET $${values.length + 2}::int`;
  // Counting stops `countLimit` rows past the page: see ListOptions.
  const countCap = offset + Math.max(options.countLimit, query.pageSize) + 1;
  const countSql = `SELECT count(*)::int AS n FROM (SELECT 1 ${compiled.from} LIMIT $${filterValueCount + 1}::int) counted`;
  const [rows, counted] = await Promise.all([
    db.$queryRawUnsafe<{ id: string }[]>(pageSql, ...values, query.pageSize, offset),
    db.$queryRawUnsafe<{ n: number }[]>(countSql, ...values.slice(0, filterValueCount), countCap),
  ]);
  const n = counted[0]?.n ?? 0;
  return { ids: rows.map((row) => row.id), totalCount: n, totalCountExact: n < countCap };
}

function inOrder<T extends { record: { id: string } }>(ids: string[], items: T[]): T[] {
  const byId = new Map(items.map((item) => [item.record.id, item]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** One page of an org's contacts matching a validated list query, in its order, with the count. */
export async function listContacts(
  db: PrismaClient,
  orgId: string,
  query: ListQuery,
  options: ListOptions,
): Promise<ListPage<ContactDetails>> {
  const { ids, ...count } = await listIds(db, orgId, { ...query, entity: "contacts" }, options);
  const rows = ids.length
    ? await db.contact.findMany({ where: { orgId, id: { in: ids } }, include: contactDetailsInclude })
    : [];
  return { items: inOrder(ids, rows.map(toContactDetails)), ...count };
}

/** One page of an org's accounts matching a validated list query, in its order, with the count. */
export async function listAccounts(
  db: PrismaClient,
  orgId: string,
  query: ListQuery,
  options: ListOptions,
): Promise<ListPage<AccountDetails>> {
  const { ids, ...count } = await listIds(db, orgId, { ...query, entity: "accounts" }, options);
  const rows = ids.length ? await db.account.findMany({ where: { orgId, id: { in: ids } } }) : [];
  return { items: inOrder(ids, rows.map(toAccountDetails)), ...count };
}
