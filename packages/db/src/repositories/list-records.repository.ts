import type { AccountDetails, ContactDetails, ListQuery } from "@upsert/domain";
import type { PrismaClient } from "../generated/prisma/client";
import {
  type AccountRow,
  accountRecordOfRow,
  type ContactRow,
  contactDetailsOfRow,
} from "../statements/records";
import { type CompiledList, compileListQuery } from "./list-compiler";

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

/** What each listed row is read as, besides the row itself. */
const selectionOf = {
  // Tag names in the order GET /v1/contacts/:id shows them (case-insensitive name, then id).
  contacts: `to_jsonb(r) AS row, coalesce((SELECT array_agg(t.name ORDER BY t.name_normalized, t.id)
      FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.contact_id = r.id), '{}') AS tag_names`,
  accounts: "to_jsonb(r) AS row",
} as const;

/**
 * The page (whole rows, one statement) and the count, side by side on two connections. The count
 * reads at most `countLimit` rows past the page (see ListOptions).
 */
async function readPage<Row>(
  db: PrismaClient,
  compiled: CompiledList,
  selection: string,
  query: ListQuery,
  options: ListOptions,
): Promise<{ rows: Row[]; totalCount: number; totalCountExact: boolean }> {
  const { values, filterValueCount } = compiled;
  const offset = (query.page - 1) * query.pageSize;
  const pageSql = `SELECT ${selection} ${compiled.from} ${compiled.orderBy} LIMIT $${values.length + 1}::int OFFSET $${values.length + 2}::int`;
  const countCap = offset + Math.max(options.countLimit, query.pageSize) + 1;
  const countSql = `SELECT count(*)::int AS n FROM (SELECT 1 ${compiled.from} LIMIT $${filterValueCount + 1}::int) counted`;
  const [rows, counted] = await Promise.all([
    db.$queryRawUnsafe<Row[]>(pageSql, ...values, query.pageSize, offset),
    db.$queryRawUnsafe<{ n: number }[]>(countSql, ...values.slice(0, filterValueCount), countCap),
  ]);
  const n = counted[0]?.n ?? 0;
  return { rows, totalCount: n, totalCountExact: n < countCap };
}

/** One page of an org's contacts matching a validated list query, in its order, with the count. */
export async function listContacts(
  db: PrismaClient,
  orgId: string,
  query: ListQuery,
  options: ListOptions,
): Promise<ListPage<ContactDetails>> {
  const contactsQuery = { ...query, entity: "contacts" as const };
  const { rows, ...count } = await readPage<{ row: ContactRow; tag_names: string[] }>(
    db,
    compileListQuery(orgId, contactsQuery),
    selectionOf.contacts,
    contactsQuery,
    options,
  );
  return { items: rows.map((r) => contactDetailsOfRow(r.row, r.tag_names)), ...count };
}

/** One page of an org's accounts matching a validated list query, in its order, with the count. */
export async function listAccounts(
  db: PrismaClient,
  orgId: string,
  query: ListQuery,
  options: ListOptions,
): Promise<ListPage<AccountDetails>> {
  const accountsQuery = { ...query, entity: "accounts" as const };
  const { rows, ...count } = await readPage<{ row: AccountRow }>(
    db,
    compileListQuery(orgId, accountsQuery),
    selectionOf.accounts,
    accountsQuery,
    options,
  );
  const items = rows.map(({ row }) => ({
    record: accountRecordOfRow(row),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    enrichedAt: row.enriched_at === null ? null : new Date(row.enriched_at),
  }));
  return { items, ...count };
}
