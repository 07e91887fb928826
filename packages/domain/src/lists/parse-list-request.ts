import { z } from "zod";
import { isIsoDateOrDateTime } from "../contacts/plan-upsert";
import type { CustomFieldDetails } from "../custom-fields/custom-field-response";
import type { ValidationDetail } from "../errors/domain-error";
import { isPlainObject, parseObjectBody } from "../errors/parse-object-body";
import { invalidRequestError } from "../errors/validation-error";
import { normaliseDomain } from "../normalise/domain";
import { normaliseEmail } from "../normalise/email";
import { canonicaliseLinkedinUrl } from "../normalise/linkedin-url";
import { normaliseTagName } from "../tags/create-tag-request";
import {
  type FilterCondition,
  filterConditions,
  type ListEntity,
  type ListField,
  listFieldsOf,
} from "./list-fields";

/** A rule's value after validation, in the form packages/db binds it. */
export type FilterValue = string | number | boolean | Date | string[] | null;

export type FilterNode =
  | { kind: "rule"; field: ListField; condition: FilterCondition; value: FilterValue }
  | { kind: "group"; operator: "and" | "or"; filters: FilterNode[] };

export interface ListSort {
  field: ListField;
  descending: boolean;
}

/** A validated `POST /v1/{entity}/list` request: every field in it is one `listFieldsOf` defines. */
export interface ListQuery {
  entity: ListEntity;
  filter: FilterNode | null;
  sort: ListSort;
  page: number;
  pageSize: number;
  includeCustomFields: boolean;
}

export const listRequestLimits = {
  maxPageSize: 500,
  defaultPageSize: 50,
  /** Rules in one request, and how deep groups nest: bounds the SQL a request can produce. */
  maxRules: 50,
  maxDepth: 8,
  /** Values in one `is` / `is_not` list. */
  maxListValues: 100,
  maxTextLength: 1000,
} as const;

/** Pages beyond this make Postgres skip more rows than a list should (OFFSET); see README. */
export const maxListPage = 10_000;

const listRequestSchema = z.object({
  filters: z.unknown().optional(),
  sort: z.string({ error: "sort must be a field key, optionally prefixed with '-'." }).optional(),
  page: z
    .number({ error: "page must be an integer from 1." })
    .int({ error: "page must be an integer from 1." })
    .min(1, { error: "page must be an integer from 1." })
    .max(maxListPage, { error: `page must be at most ${maxListPage}; narrow the filters instead.` })
    .optional(),
  page_size: z
    .number({ error: "page_size must be an integer from 1 to 500." })
    .int({ error: "page_size must be an integer from 1 to 500." })
    .min(1, { error: "page_size must be an integer from 1 to 500." })
    .max(listRequestLimits.maxPageSize, { error: "page_size must be an integer from 1 to 500." })
    .optional(),
  include_custom_fields: z.boolean({ error: "include_custom_fields must be a boolean." }).optional(),
});
const listRequestKeys = new Set(Object.keys(listRequestSchema.shape));

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const offsetPattern = /(Z|[+-]\d{2}:?\d{2})$/;
const valuelessConditions: readonly FilterCondition[] = ["is_empty", "is_not_empty"];

interface WalkState {
  fields: Map<string, ListField>;
  details: ValidationDetail[];
  rules: number;
}

type ValueResult = { ok: true; value: FilterValue } | { ok: false; message: string };

function textValue(value: unknown): ValueResult {
  if (typeof value !== "string" || value.length === 0)
    return { ok: false, message: "value must be a non-empty string." };
  if (value.length > listRequestLimits.maxTextLength) {
    return { ok: false, message: `value must be at most ${listRequestLimits.maxTextLength} characters.` };
  }
  return { ok: true, value };
}

/** `is` / `is_not` take one value or a list of them (any of). */
function listOf(value: unknown, each: (item: unknown) => ValueResult): ValueResult {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0 || items.length > listRequestLimits.maxListValues) {
    return {
      ok: false,
      message: `value must be one value or a list of 1 to ${listRequestLimits.maxListValues}.`,
    };
  }
  const out: string[] = [];
  for (const item of items) {
    const result = each(item);
    if (!result.ok) return result;
    out.push(result.value as string);
  }
  return { ok: true, value: out };
}

function timestampValue(value: unknown): ValueResult {
  if (typeof value !== "string" || !isIsoDateOrDateTime(value)) {
    return { ok: false, message: "value must be an ISO 8601 date or date-time (e.g. 2026-01-31T12:00:00Z)." };
  }
  // A date-time without an offset is UTC (Monaco: trailing Z / UTC supported).
  const iso = datePattern.test(value) || offsetPattern.test(value) ? value : `${value}Z`;
  return { ok: true, value: new Date(iso) };
}

/** The value a rule compares with, checked and normalised for its field's kind and condition. */
function ruleValue(field: ListField, condition: FilterCondition, value: unknown): ValueResult {
  if (valuelessConditions.includes(condition)) return { ok: true, value: null };
  const text = textValue(value);
  switch (field.kind) {
    case "email":
      if (!text.ok) return text;
      // equals matches the way upserts match: on the normalised address (the indexed column).
      return condition === "equals"
        ? { ok: true, value: normaliseEmail(value as string) ?? (value as string).toLowerCase() }
        : text;
    case "linkedin":
      if (!text.ok) return text;
      // equals matches the way upserts match: on the canonical URL (the indexed column).
      return condition === "equals"
        ? { ok: true, value: canonicaliseLinkedinUrl(value as string) ?? (value as string) }
        : text;
    case "domain":
      if (!text.ok) return text;
      return condition === "equals"
        ? { ok: true, value: normaliseDomain(value as string) ?? (value as string).toLowerCase() }
        : text;
    case "text":
      if (field.customField?.type === "enum" && (condition === "is" || condition === "is_not")) {
        return listOf(value, textValue);
      }
      return text;
    case "boolean":
      return typeof value === "boolean"
        ? { ok: true, value }
        : { ok: false, message: "value must be true or false." };
    case "uuid":
      return listOf(value, (item) =>
        typeof item === "string" && uuidPattern.test(item)
          ? { ok: true, value: item.toLowerCase() }
          : { ok: false, message: "value must be an id (uuid) or a list of ids." },
      );
    case "tag":
      return listOf(value, (item) => {
        const name = textValue(item);
        return name.ok ? { ok: true, value: normaliseTagName(item as string) } : name;
      });
    case "datetime":
      return timestampValue(value);
    case "date":
      return typeof value === "string" && datePattern.test(value) && isIsoDateOrDateTime(value)
        ? { ok: true, value }
        : { ok: false, message: "value must be a date, YYYY-MM-DD." };
    case "number":
      return typeof value === "number" && Number.isFinite(value)
        ? { ok: true, value }
        : { ok: false, message: "value must be a number." };
  }
}

function walkRule(raw: Record<string, unknown>, path: string, state: WalkState): FilterNode | null {
  const unknownKeys = Object.keys(raw).filter(
    (key) => key !== "field" && key !== "condition" && key !== "value",
  );
  for (const key of unknownKeys)
    state.details.push({ path: `${path}.${key}`, message: `${key} is not a known filter key.` });
  const { field: key, condition } = raw;
  if (typeof key !== "string") {
    state.details.push({
      path: `${path}.field`,
      message: "field must be a field key (see GET /v1/schemas).",
    });
    return null;
  }
  const field = state.fields.get(key);
  if (!field) {
    state.details.push({ path: `${path}.field`, message: `${key} is not a filterable field.` });
    return null;
  }
  if (typeof condition !== "string" || !(filterConditions as readonly string[]).includes(condition)) {
    state.details.push({
      path: `${path}.condition`,
      message: `condition must be one of ${filterConditions.join(", ")}.`,
    });
    return null;
  }
  const typed = condition as FilterCondition;
  if (!field.conditions.includes(typed)) {
    state.details.push({
      path: `${path}.condition`,
      message: `${key} does not support ${condition}; it supports ${field.conditions.join(", ")}.`,
    });
    return null;
  }
  const value = ruleValue(field, typed, raw.value);
  if (!value.ok) {
    state.details.push({ path: `${path}.value`, message: `${key}: ${value.message}` });
    return null;
  }
  return { kind: "rule", field, condition: typed, value: value.value };
}

function walkGroup(
  operator: unknown,
  items: unknown,
  path: string,
  itemsPath: string,
  depth: number,
  state: WalkState,
): FilterNode | null {
  if (operator !== undefined && operator !== "and" && operator !== "or") {
    state.details.push({ path: `${path}${path ? "." : ""}operator`, message: "operator must be and or or." });
    return null;
  }
  if (!Array.isArray(items)) {
    state.details.push({
      path: itemsPath,
      message: "filters must be a list of rules or filter expressions.",
    });
    return null;
  }
  if (depth > listRequestLimits.maxDepth) {
    state.details.push({
      path: itemsPath,
      message: `filter expressions nest at most ${listRequestLimits.maxDepth} deep.`,
    });
    return null;
  }
  const filters: FilterNode[] = [];
  items.forEach((item, index) => {
    const node = walkNode(item, `${itemsPath}[${index}]`, depth, state);
    if (node) filters.push(node);
  });
  return { kind: "group", operator: operator === "or" ? "or" : "and", filters };
}

function walkNode(raw: unknown, path: string, depth: number, state: WalkState): FilterNode | null {
  if (!isPlainObject(raw)) {
    state.details.push({
      path,
      message: "A filter must be a rule {field, condition, value} or {operator, filters}.",
    });
    return null;
  }
  if ("filters" in raw || "operator" in raw) {
    const unknownKeys = Object.keys(raw).filter((key) => key !== "filters" && key !== "operator");
    for (const key of unknownKeys)
      state.details.push({ path: `${path}.${key}`, message: `${key} is not a known filter key.` });
    return walkGroup(raw.operator, raw.filters ?? [], path, `${path}.filters`, depth + 1, state);
  }
  state.rules += 1;
  if (state.rules > listRequestLimits.maxRules) {
    if (state.rules === listRequestLimits.maxRules + 1) {
      state.details.push({
        path,
        message: `A request may hold at most ${listRequestLimits.maxRules} filter rules.`,
      });
    }
    return null;
  }
  return walkRule(raw, path, state);
}

function parseFilters(raw: unknown, state: WalkState): FilterNode | null {
  if (raw === undefined || raw === null) return null;
  if (Array.isArray(raw)) return walkGroup("and", raw, "", "filters", 1, state);
  if (isPlainObject(raw) && ("filters" in raw || "operator" in raw))
    return walkNode(raw, "filters", 0, state);
  state.details.push({
    path: "filters",
    message:
      "filters must be a list of rules or an expression {operator, filters}; a single rule must be in a list.",
  });
  return null;
}

function parseSort(raw: string | undefined, state: WalkState): ListSort | null {
  const text = raw ?? "-created_at";
  const descending = text.startsWith("-");
  const key = descending ? text.slice(1) : text;
  const field = state.fields.get(key);
  if (!field?.sortable) {
    const sortable = [...state.fields.values()].filter((f) => f.sortable && !f.customField).map((f) => f.key);
    state.details.push({
      path: "sort",
      message: `${key} is not a sortable field; sortable: ${sortable.join(", ")}, and custom fields.`,
    });
    return null;
  }
  return { field, descending };
}

/**
 * Validates a `POST /v1/{entity}/list` body against the entity's fields (built-in and the org's
 * custom fields). Throws `unprocessable_entity` naming every unknown field, unsupported condition,
 * bad value or unsortable field; nothing reaches the database then.
 */
export function parseListRequest(
  entity: ListEntity,
  body: unknown,
  customFields: readonly CustomFieldDetails[],
): ListQuery {
  // An empty body is the first page with the defaults.
  const unknownKeyMessage = (key: string) => `${key} is not a known field.`;
  const parsed = parseObjectBody(listRequestSchema, body ?? {}, unknownKeyMessage);
  // zod would name unknown keys in one issue without a path; each gets its own here.
  const unknownKeys = isPlainObject(body)
    ? Object.keys(body).filter((key) => !listRequestKeys.has(key) && key !== "__proto__")
    : [];
  const shapeDetails = [
    ...(parsed.ok ? [] : parsed.details),
    ...unknownKeys.map((key) => ({ path: key, message: unknownKeyMessage(key) })),
  ];
  if (!parsed.ok || shapeDetails.length > 0) {
    throw invalidRequestError(shapeDetails, parsed.ok ? 0 : parsed.unlistedProblems);
  }
  const state: WalkState = {
    fields: new Map(listFieldsOf(entity, customFields).map((field) => [field.key, field])),
    details: [],
    rules: 0,
  };
  const filter = parseFilters(parsed.data.filters, state);
  const sort = parseSort(parsed.data.sort, state);
  if (state.details.length > 0 || sort === null) throw invalidRequestError(state.details);
  return {
    entity,
    filter,
    sort,
    page: parsed.data.page ?? 1,
    pageSize: parsed.data.page_size ?? listRequestLimits.defaultPageSize,
    includeCustomFields: parsed.data.include_custom_fields ?? true,
  };
}
