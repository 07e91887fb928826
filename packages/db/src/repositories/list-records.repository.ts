import type { AccountDetails, ContactDetails, ListQuery } from "@upsert/domain";
import type { PrismaClient } from "../generated/prisma/client";
import {
  type AccountRow,
  accountRecordOfRow,
  type ContactRow,
  contactDetailsOfRow,
} from "../statements/records";
import {
  compileListQuery,
  noResolvedTags,
  type ResolvedTags,
  resolvedTagsOf,
  type TagLookupRow,
  tagLookupStatement,
} from "./list-compiler";

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

export interface ListStatement {
  text: string;
  values: unknown[];
  /**
   * Run with parallel workers off (`serialStatementSetting`, in the statement's transaction). A
   * tag filter's page walks the sort index and probes contact_tags per row until the page is
   * full; the planner rates a parallel walk a little cheaper, but starting workers and their
   * overshoot made it 2 to 3 times slower in the list benchmark (README).
   */
  serial?: boolean;
}

/** What a `serial` statement runs first, in its transaction: parallel workers off for it alone. */
export const serialStatementSetting = "SET LOCAL max_parallel_workers_per_gather = 0";

/**
 * The two statements a list runs: the page (whole rows) and the count, which reads at most
 * `countLimit` rows past the page (see ListOptions). `tags` is what tagLookupStatement's rows
 * say (resolveTags), for a query that names tags. Exported for the list benchmark.
 */
export function listStatements(
  orgId: string,
  query: ListQuery,
  options: ListOptions,
  tags: ResolvedTags = noResolvedTags,
): { page: ListStatement; count: ListStatement; countCap: number } {
  const compiled = compileListQuery(orgId, query, tags);
  const { values, filterValueCount } = compiled;
  const offset = (query.page - 1) * query.pageSize;
  const countCap = offset + Math.max(options.countLimit, query.pageSize) + 1;
  return {
    page: {
      text: `SELECT ${selectionOf[query.entity]} ${compiled.from} ${compiled.orderBy} LIMIT $${values.length + 1}::int OFFSET $${values.length + 2}::int`,
      values: [...values, query.pageSize, offset],
      serial: tagLookupStatement(orgId, query) !== null,
    },
    count: compiled.tagCount
      ? { text: compiled.tagCount.text, values: [...compiled.tagCount.values, countCap] }
      : {
          text: `SELECT count(*)::int AS n FROM (SELECT 1 ${compiled.from} LIMIT $${filterValueCount + 1}::int) counted`,
          values: [...values.slice(0, filterValueCount), countCap],
        },
    countCap,
  };
}

/** The org's tags of the tag names a query names (one round trip, none without tag rules). */
async function resolveTags(db: PrismaClient, orgId: string, query: ListQuery): Promise<ResolvedTags> {
  const lookup = tagLookupStatement(orgId, query);
  if (!lookup) return noResolvedTags;
  return resolvedTagsOf(await db.$queryRawUnsafe<TagLookupRow[]>(lookup.text, ...lookup.values));
}

/** Resolves the query's tag names, then runs both statements side by side, on two connections. */
async function readPage<Row>(
  db: PrismaClient,
  orgId: string,
  query: ListQuery,
  options: ListOptions,
): Promise<{ rows: Row[]; totalCount: number; totalCountExact: boolean }> {
  const tags = await resolveTags(db, orgId, query);
  const { page, count, countCap } = listStatements(orgId, query, options, tags);
  const [rows, counted] = await Promise.all([
    page.serial
      ? db
          .$transaction([
            db.$executeRawUnsafe(serialStatementSetting),
            db.$queryRawUnsafe<Row[]>(page.text, ...page.values),
          ])
          .then(([, pageRows]) => pageRows)
      : db.$queryRawUnsafe<Row[]>(page.text, ...page.values),
    db.$queryRawUnsafe<{ n: number }[]>(count.text, ...count.values),
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
  const { rows, ...count } = await readPage<{ row: ContactRow; tag_names: string[] }>(
    db,
    orgId,
    { ...query, entity: "contacts" },
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
  const { rows, ...count } = await readPage<{ row: AccountRow }>(
    db,
    orgId,
    { ...query, entity: "accounts" },
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
