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

/** Normalised tag name → id of the org's contact tag of that name (names without a tag absent). */
export type TagIds = ReadonlyMap<string, string>;

/** The ids of the named tags; a name the org has no tag of matches nothing. */
function tagIdsOf(value: FilterValue, tagIds: TagIds): string[] {
  const names = Array.isArray(value) ? value : [value];
  const ids = new Set<string>();
  for (const name of names) {
    const id = tagIds.get(name as string);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
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
  tagIds: TagIds,
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
      // index for a large one.
      const tagged = `r.id IN (SELECT ct.contact_id FROM contact_tags ct WHERE ct.tag_id = ANY(${params.add(tagIdsOf(node.value, tagIds), "uuid[]")}))`;
      return condition === "is" ? tagged : `NOT (${tagged})`;
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

function nodeSql(query: ListQuery, node: FilterNode, tagIds: TagIds, params: Params): string {
  if (node.kind === "rule") return ruleSql(query, node, tagIds, params);
  // An empty expression constrains nothing, whatever its operator.
  if (node.filters.length === 0) return "TRUE";
  const parts = node.filters.map((child) => nodeSql(query, child, tagIds, params));
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

export function compileListQuery(orgId: string, query: ListQuery, tagIds: TagIds = new Map()): CompiledList {
  const params = new Params(orgId);
  const where = query.filter ? nodeSql(query, query.filter, tagIds, params) : "TRUE";
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
    tagCount: tagCount && sole ? tagCount(tagIdsOf(sole.value, tagIds)) : null,
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
 * The statement that resolves a contacts query's tag names to the org's tag ids (rows `id`,
 * `name_normalized`), or null when the query names no tag. Its answer is compileListQuery's
 * `tagIds`.
 */
export function tagLookupStatement(
  orgId: string,
  query: ListQuery,
): { text: string; values: unknown[] } | null {
  const names = query.entity === "contacts" ? tagNamesOf(query) : [];
  if (names.length === 0) return null;
  return {
    text: "SELECT id, name_normalized FROM tags WHERE org_id = $1::uuid AND object_type = 'contacts' AND name_normalized = ANY($2::text[])",
    values: [orgId, names],
  };
}
