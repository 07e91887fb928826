import type { FilterNode, FilterValue, ListField, ListQuery } from "@upsert/domain";

/**
 * Compiles a validated list query (packages/domain's parseListRequest) to one parameterised
 * statement. Every value is a bind parameter; the only identifiers are the fixed column
 * expressions below, chosen by field key, so nothing a caller sends is ever part of the SQL text.
 */

/** Built-in field key → the SQL expression of its column (alias `r` is the listed row). */
const contactColumns: Record<string, string> = {
  email: "r.email",
  linkedin_url: "r.linkedin_canonical",
  first_name: "r.first_name",
  last_name: "r.last_name",
  title: "r.title",
  phone_number: "r.phone_number",
  location: "r.location",
  do_not_contact: "r.do_not_contact",
  account_id: "r.account_id",
  created_at: "r.created_at",
  updated_at: "r.updated_at",
};

const accountColumns: Record<string, string> = {
  name: "r.name",
  domain: "r.domain",
  status: "r.status",
  linkedin_url: "r.linkedin_url",
  employee_count: "r.employee_count",
  founded_year: "r.founded_year",
  created_at: "r.created_at",
  updated_at: "r.updated_at",
};

const tables = { contacts: "contacts", accounts: "accounts" } as const;

export interface CompiledList {
  /** `FROM … WHERE …` shared by the page and the count. */
  from: string;
  orderBy: string;
  /** Bind values of `from` and `orderBy`, `from`'s first ($1 is the org id). */
  values: unknown[];
  /** How many of `values` `from` uses: a statement without `orderBy` binds only these. */
  filterValueCount: number;
  /**
   * For a filter that is only `tags is …`: the count statement over contact_tags alone (see
   * tagCountSql), with its values but the cap, which the caller appends. Otherwise null.
   */
  tagCount: { text: string; values: unknown[] } | null;
}

/** What tagLookupStatement's rows say (resolvedTagsOf): the named tags' ids and sizes. */
export interface ResolvedTags {
  /** Normalised tag name → id of the org's contact tag of that name (names without a tag absent). */
  ids: ReadonlyMap<string, string>;
  /** Tag id → how many contacts it holds, counted up to a cap (see tagLookupStatement). */
  sizes: ReadonlyMap<string, number>;
  /** The planner's estimate of the org's contacts, from the table's statistics (0 when none). */
  orgContacts: number;
}

export const noResolvedTags: ResolvedTags = { ids: new Map(), sizes: new Map(), orgContacts: 0 };

/** The ids of the named tags; a name the org has no tag of matches nothing. */
function tagIdsOf(value: FilterValue, tags: ResolvedTags): string[] {
  const names = Array.isArray(value) ? value : [value];
  const ids = new Set<string>();
  for (const name of names) {
    const id = tags.ids.get(name as string);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}

/**
 * Costs of the three ways to fill a page of contacts filtered by tags, in microseconds per row,
 * measured on this project's list benchmark machine (1,000,000 contacts, tags of 100 to 100,000
 * contacts; README "Listing contacts and accounts"):
 * - from the tags: fetch every tagged contact, then sort (`tagFirst`, per tagged contact);
 * - from the sort index, probing contact_tags for each contact until the page is full (`probe`,
 *   per contact walked);
 * - from the sort index, checking each contact against a hash of the tag's contact ids built
 *   once (`hashBuild` per tagged contact, `hashedWalk` per contact walked).
 * The planner weighs the first two itself. It never considers the third, because it always turns
 * `id IN (subquery)` into a join; `(id IN (subquery)) IS TRUE` keeps it a hashed filter.
 */
const tagPlanCostUs = { tagFirst: 12, probe: 5, hashBuild: 0.4, hashedWalk: 0.15 } as const;

/**
 * Whether a page filtered by `tagged` contacts out of an org of `orgContacts` is filled faster
 * by the hashed filter than by the better of the planner's two plans. A page of `rowsWanted` rows
 * (offset included) walks about rowsWanted × orgContacts / tagged contacts of the sort index. The
 * hashed filter wins in the middle: a small tag is quicker to fetch whole, a large one's page is
 * found after a few probes, and the hash would cost more to build. At 1,000,000 contacts and 50
 * rows that middle is about 1,000 to 25,000 tagged contacts.
 */
export function prefersHashedTagFilter(tagged: number, orgContacts: number, rowsWanted: number): boolean {
  if (tagged <= 0 || orgContacts <= 0) return false;
  const walked = Math.min(orgContacts, (rowsWanted * orgContacts) / tagged);
  const hashed = tagPlanCostUs.hashBuild * tagged + tagPlanCostUs.hashedWalk * walked;
  return hashed < Math.min(tagPlanCostUs.tagFirst * tagged, tagPlanCostUs.probe * walked);
}

/**
 * The most tagged contacts at which the hashed filter can still win (building the hash against
 * probing): tagLookupStatement counts a tag's contacts up to this, so a large tag costs a bounded
 * count, not a full one. Grows as √(rowsWanted × orgContacts).
 */
function hashedTagFilterLimitFactor(rowsWanted: number): number {
  return ((tagPlanCostUs.probe - tagPlanCostUs.hashedWalk) / tagPlanCostUs.hashBuild) * rowsWanted;
}

class Params {
  readonly values: unknown[];
  constructor(orgId: string) {
    this.values = [orgId];
  }
  add(value: unknown, cast?: string): string {
    this.values.push(value instanceof Date ? value.toISOString() : value);
    return `$${this.values.length}${cast ? `::${cast}` : ""}`;
  }
}

/** `%text%` for ILIKE, with the caller's `%`, `_` and `\` matched literally. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function columnOf(query: ListQuery, field: ListField): string {
  const column = (query.entity === "contacts" ? contactColumns : accountColumns)[field.key];
  if (column === undefined) throw new Error(`No column for list field ${field.key}`);
  return column;
}

function textRule(column: string, condition: string, value: FilterValue, params: Params): string {
  switch (condition) {
    case "equals":
      return `${column} = ${params.add(value, "text")}`;
    case "contains":
      return `${column} ILIKE ${params.add(containsPattern(value as string), "text")} ESCAPE '\\'`;
    case "not_contains":
      return `(${column} IS NULL OR ${column} NOT ILIKE ${params.add(containsPattern(value as string), "text")} ESCAPE '\\')`;
    case "is":
      return `${column} = ANY(${params.add(value, "text[]")})`;
    case "is_not":
      return `(${column} IS NULL OR ${column} <> ALL(${params.add(value, "text[]")}))`;
    case "is_empty":
      return `coalesce(${column}, '') = ''`;
    case "is_not_empty":
      return `coalesce(${column}, '') <> ''`;
  }
  throw new Error(`Unsupported text condition ${condition}`);
}

function nullableRule(column: string, condition: string): string | null {
  if (condition === "is_empty") return `${column} IS NULL`;
  if (condition === "is_not_empty") return `${column} IS NOT NULL`;
  return null;
}

function customFieldRule(field: ListField, condition: string, value: FilterValue, params: Params): string {
  const key = params.add(field.key, "text");
  const json = `(r.custom_fields -> ${key})`;
  const text = `(r.custom_fields ->> ${key})`;
  if (condition === "is_empty") return `coalesce(${text}, '') = ''`;
  if (condition === "is_not_empty") return `coalesce(${text}, '') <> ''`;
  switch (field.kind) {
    case "number":
      return `(CASE WHEN jsonb_typeof(${json}) = 'number' THEN ${text}::numeric END) = ${params.add(value, "numeric")}`;
    case "boolean":
      return condition === "is"
        ? `${json} = to_jsonb(${params.add(value, "boolean")})`
        : `${json} IS DISTINCT FROM to_jsonb(${params.add(value, "boolean")})`;
    case "date": {
      // Stored as written (a date, or a date-time whose first ten characters are its date).
      const day = `left(${text}, 10)`;
      if (condition === "is_before") return `${day} < ${params.add(value, "text")}`;
      if (condition === "is_after") return `${day} > ${params.add(value, "text")}`;
      return `${day} = ${params.add(value, "text")}`;
    }
    default:
      return textRule(text, condition, value, params);
  }
}

function ruleSql(
  query: ListQuery,
  node: Extract<FilterNode, { kind: "rule" }>,
  context: CompileContext,
  params: Params,
): string {
  const { field, condition, value } = node;
  if (field.customField) return customFieldRule(field, condition, value, params);
  switch (field.kind) {
    case "email":
      // equals compares the normalised address the unique index (org_id, email_normalized) holds.
      return condition === "equals"
        ? `r.email_normalized = ${params.add(value, "text")}`
        : textRule(columnOf(query, field), condition, value, params);
    case "domain":
      if (query.entity === "contacts") {
        // The contact's account's domain: the unique index (org_id, domain) finds the account,
        // the (account_id) index its contacts.
        if (condition === "equals") {
          return `r.account_id IN (SELECT a.id FROM accounts a WHERE a.org_id = $1 AND a.domain = ${params.add(value, "text")})`;
        }
        const exists = "EXISTS (SELECT 1 FROM accounts a WHERE a.id = r.account_id AND a.domain IS NOT NULL)";
        return condition === "is_empty" ? `NOT ${exists}` : exists;
      }
      return textRule(columnOf(query, field), condition, value, params);
    case "linkedin": // the canonical URL's column; equals gets the canonical form of the value
    case "text":
      return textRule(columnOf(query, field), condition, value, params);
    case "boolean": {
      const column = columnOf(query, field);
      return `${column} ${condition === "is" ? "=" : "<>"} ${params.add(value, "boolean")}`;
    }
    case "uuid": {
      const column = columnOf(query, field);
      const empty = nullableRule(column, condition);
      if (empty) return empty;
      return condition === "is"
        ? `${column} = ANY(${params.add(value, "uuid[]")})`
        : `(${column} IS NULL OR ${column} <> ALL(${params.add(value, "uuid[]")}))`;
    }
    case "tag": {
      if (condition === "is_empty")
        return "NOT EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = r.id)";
      if (condition === "is_not_empty")
        return "EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = r.id)";
      // Any of the named tags, by the ids the org's tags of those names have (resolved before
      // compiling, see tagLookupStatement): with the ids bound, the planner reads each tag's size
      // from contact_tags' statistics and starts from contact_tags for a small tag, from the sort
      // index for a large one; or, where that is slower, a hashed filter (prefersHashedTagFilter).
      const tagged = `r.id IN (SELECT ct.contact_id FROM contact_tags ct WHERE ct.tag_id = ANY(${params.add(tagIdsOf(node.value, context.tags), "uuid[]")}))`;
      if (condition !== "is") return `NOT (${tagged})`;
      return node === context.hashedTagRule ? `(${tagged}) IS TRUE` : tagged;
    }
    case "datetime": {
      const column = columnOf(query, field);
      return `${column} ${condition === "is_before" ? "<" : ">"} ${params.add(value, "timestamptz")}`;
    }
    case "number": {
      const column = columnOf(query, field);
      return nullableRule(column, condition) ?? `${column} = ${params.add(value, "numeric")}`;
    }
    case "date":
      throw new Error(`Built-in date field ${field.key} has no column`);
  }
}

interface CompileContext {
  tags: ResolvedTags;
  /** The tag rule compiled as a hashed filter (see prefersHashedTagFilter), if any. */
  hashedTagRule: FilterNode | null;
}

function nodeSql(query: ListQuery, node: FilterNode, context: CompileContext, params: Params): string {
  if (node.kind === "rule") return ruleSql(query, node, context, params);
  // An empty expression constrains nothing, whatever its operator.
  if (node.filters.length === 0) return "TRUE";
  const parts = node.filters.map((child) => nodeSql(query, child, context, params));
  return `(${parts.join(node.operator === "or" ? " OR " : " AND ")})`;
}

/**
 * What a sort orders by. Text sorts ignore case (the database collation may be C, where "Z" comes
 * before "a"); email sorts by the normalised address. Custom fields sort as JSON values: numbers
 * numerically, strings as text.
 */
function sortExpressionOf(query: ListQuery, params: Params): string {
  const { field } = query.sort;
  if (field.customField) return `(r.custom_fields -> ${params.add(field.key, "text")})`;
  if (field.kind === "email") return "r.email_normalized";
  if (field.kind === "text" || field.kind === "domain") return `lower(${columnOf(query, field)})`;
  return columnOf(query, field);
}

/** The one rule a filter amounts to, through groups of one (a flat `filters` array is a group). */
function soleRule(node: FilterNode | null): Extract<FilterNode, { kind: "rule" }> | null {
  if (node === null) return null;
  if (node.kind === "rule") return node;
  return node.filters.length === 1 ? soleRule(node.filters[0] ?? null) : null;
}

/**
 * The count of a filter that is only `tags is …`, read from contact_tags alone (index-only on
 * (tag_id, contact_id)) instead of visiting every tagged contact's row to check its org: the tag
 * ids are the org's own (tagLookupStatement reads them by org), and a tag only ever holds
 * contacts of its org (every write resolves tag names within the contact's org). A contact with
 * two of the tags counts once: under its smallest matching tag id. `$1` is the tag ids, `$2` the
 * cap.
 */
function tagCountSql(ids: string[]): string {
  const once =
    ids.length > 1
      ? " AND NOT EXISTS (SELECT 1 FROM contact_tags e WHERE e.contact_id = ct.contact_id AND e.tag_id = ANY($1::uuid[]) AND e.tag_id < ct.tag_id)"
      : "";
  return `SELECT count(*)::int AS n FROM (SELECT 1 FROM contact_tags ct WHERE ct.tag_id = ANY($1::uuid[])${once} LIMIT $2::int) counted`;
}

/**
 * The filter's rule to compile as a hashed filter: only a filter that is one `tags is …` rule,
 * whose tags' sizes are the whole story. Combined with other rules, the planner may start from
 * another index, where probing contact_tags for the few rows it finds beats building any hash.
 */
function hashedTagRuleOf(query: ListQuery, tags: ResolvedTags): FilterNode | null {
  const sole = soleRule(query.filter);
  if (sole?.field.kind !== "tag" || sole.field.customField || sole.condition !== "is") return null;
  const tagged = tagIdsOf(sole.value, tags).reduce((sum, id) => sum + (tags.sizes.get(id) ?? 0), 0);
  const rowsWanted = query.page * query.pageSize;
  return prefersHashedTagFilter(tagged, tags.orgContacts, rowsWanted) ? sole : null;
}

export function compileListQuery(
  orgId: string,
  query: ListQuery,
  tags: ResolvedTags = noResolvedTags,
): CompiledList {
  const params = new Params(orgId);
  const context: CompileContext = { tags, hashedTagRule: hashedTagRuleOf(query, tags) };
  const where = query.filter ? nodeSql(query, query.filter, context, params) : "TRUE";
  const filterValueCount = params.values.length;
  const direction = query.sort.descending ? "DESC" : "ASC";
  const sortExpression = sortExpressionOf(query, params);
  const sole = soleRule(query.filter);
  const tagCount =
    sole?.field.kind === "tag" && !sole.field.customField && sole.condition === "is"
      ? (ids: string[]) => ({ text: tagCountSql(ids), values: [ids] })
      : null;
  return {
    from: `FROM ${tables[query.entity]} r WHERE r.org_id = $1::uuid AND ${where}`,
    // The id breaks ties, so pages never overlap or skip rows with equal sort values.
    orderBy: `ORDER BY ${sortExpression} ${direction}, r.id ${direction}`,
    values: params.values,
    filterValueCount,
    tagCount: tagCount && sole ? tagCount(tagIdsOf(sole.value, tags)) : null,
  };
}

/** Every tag name a query's tag rules name (normalised, without repeats). */
export function tagNamesOf(query: ListQuery): string[] {
  const names = new Set<string>();
  const walk = (node: FilterNode) => {
    if (node.kind === "group") node.filters.forEach(walk);
    else if (node.field.kind === "tag" && !node.field.customField && Array.isArray(node.value))
      for (const name of node.value) names.add(name as string);
  };
  if (query.filter) walk(query.filter);
  return [...names];
}

/**
 * The org's contacts as the planner estimates them: the table's row estimate times the org's
 * share of `org_id` in the statistics (its most-common-value frequency, or an even share of the
 * rest). 0 for a table never analysed. `$1` is the org id.
 */
const orgContactsEstimateSql = `SELECT greatest(c.reltuples, 0) * coalesce(
    (SELECT m.freq FROM unnest(s.most_common_vals::text::uuid[], s.most_common_freqs) AS m(org_id, freq) WHERE m.org_id = $1::uuid),
    (1 - coalesce((SELECT sum(f) FROM unnest(s.most_common_freqs) AS f), 0))
      / greatest(1, CASE WHEN s.n_distinct < 0 THEN -s.n_distinct * c.reltuples ELSE s.n_distinct END
                    - coalesce(cardinality(s.most_common_freqs), 0))) AS contacts
  FROM pg_class c
  LEFT JOIN pg_stats s ON s.schemaname = c.relnamespace::regnamespace::text AND s.tablename = c.relname AND s.attname = 'org_id'
 WHERE c.oid = 'contacts'::regclass`;

/**
 * The statement that resolves a contacts query's tag names to the org's tags (rows `id`,
 * `name_normalized`, `size`, `org_contacts`), or null when the query names no tag. Each tag's
 * size is counted (index-only, on contact_tags (tag_id, contact_id)) only up to where it could
 * still matter to prefersHashedTagFilter. Its rows, through resolvedTagsOf, are
 * compileListQuery's `tags`.
 */
export function tagLookupStatement(
  orgId: string,
  query: ListQuery,
): { text: string; values: unknown[] } | null {
  const names = query.entity === "contacts" ? tagNamesOf(query) : [];
  if (names.length === 0) return null;
  return {
    text: `WITH org AS (${orgContactsEstimateSql})
      SELECT t.id, t.name_normalized, org.contacts::float8 AS org_contacts,
             (SELECT count(*) FROM (SELECT 1 FROM contact_tags ct WHERE ct.tag_id = t.id
                LIMIT ceil(sqrt($3::float8 * org.contacts))::int + 1) counted)::int AS size
        FROM tags t CROSS JOIN org
       WHERE t.org_id = $1::uuid AND t.object_type = 'contacts' AND t.name_normalized = ANY($2::text[])`,
    values: [orgId, names, hashedTagFilterLimitFactor(query.page * query.pageSize)],
  };
}

export interface TagLookupRow {
  id: string;
  name_normalized: string;
  size: number;
  org_contacts: number;
}

/** compileListQuery's `tags`, from tagLookupStatement's rows. */
export function resolvedTagsOf(rows: readonly TagLookupRow[]): ResolvedTags {
  return {
    ids: new Map(rows.map((row) => [row.name_normalized, row.id])),
    sizes: new Map(rows.map((row) => [row.id, row.size])),
    orgContacts: rows[0]?.org_contacts ?? 0,
  };
}
