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

function ruleSql(query: ListQuery, node: Extract<FilterNode, { kind: "rule" }>, params: Params): string {
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
      // Any of the named tags (case-insensitive, as tag names are unique).
      const tagged = `r.id IN (SELECT ct.contact_id FROM tags t JOIN contact_tags ct ON ct.tag_id = t.id WHERE t.org_id = $1 AND t.object_type = 'contacts' AND t.name_normalized = ANY(${params.add(value, "text[]")}))`;
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

function nodeSql(query: ListQuery, node: FilterNode, params: Params): string {
  if (node.kind === "rule") return ruleSql(query, node, params);
  // An empty expression constrains nothing, whatever its operator.
  if (node.filters.length === 0) return "TRUE";
  const parts = node.filters.map((child) => nodeSql(query, child, params));
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

export function compileListQuery(orgId: string, query: ListQuery): CompiledList {
  const params = new Params(orgId);
  const where = query.filter ? nodeSql(query, query.filter, params) : "TRUE";
  const filterValueCount = params.values.length;
  const direction = query.sort.descending ? "DESC" : "ASC";
  const sortExpression = sortExpressionOf(query, params);
  return {
    from: `FROM ${tables[query.entity]} r WHERE r.org_id = $1::uuid AND ${where}`,
    // The id breaks ties, so pages never overlap or skip rows with equal sort values.
    orderBy: `ORDER BY ${sortExpression} ${direction}, r.id ${direction}`,
    values: params.values,
    filterValueCount,
  };
}
