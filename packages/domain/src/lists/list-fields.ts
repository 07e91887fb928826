import type { CustomFieldDetails } from "../custom-fields/custom-field-response";
import { customFieldKeyOf } from "../custom-fields/custom-field-response";

/** Monaco's FieldSchemaResponse `type` values this service uses. */
export type FieldSchemaType =
  | "string"
  | "number"
  | "boolean"
  | "enum"
  | "array"
  | "date"
  | "datetime"
  | "uuid";

/** Monaco's filter conditions (conventions: filtering.conditions). */
export const filterConditions = [
  "is",
  "is_not",
  "equals",
  "contains",
  "not_contains",
  "is_empty",
  "is_not_empty",
  "is_before",
  "is_after",
] as const;
export type FilterCondition = (typeof filterConditions)[number];

/** Entities that `POST /v1/{entity}/list` and `GET /v1/schemas/{entity}` serve. */
export const listEntities = ["contacts", "accounts"] as const;
export type ListEntity = (typeof listEntities)[number];

/**
 * How a field's values are compared. packages/db maps every built-in field key to one fixed SQL
 * expression; custom fields are read from the JSON column under their key.
 */
export type ListValueKind =
  | "text"
  | "email"
  | "linkedin"
  | "domain"
  | "boolean"
  | "uuid"
  | "tag"
  | "datetime"
  | "number"
  | "date";

/** One field `list` accepts: the single definition both list validation and the schema endpoint read. */
export interface ListField {
  key: string;
  name: string;
  type: FieldSchemaType;
  kind: ListValueKind;
  conditions: readonly FilterCondition[];
  sortable: boolean;
  updatable: boolean;
  /** Set for `custom_field_<uuid>` fields. */
  customField?: CustomFieldDetails;
}

// Conditions by kind of value. Nullable fields add the emptiness checks; `do_not_contact`,
// `created_at` and `updated_at` always hold a value, so they do not.
const textConditions: FilterCondition[] = ["equals", "contains", "not_contains", "is_empty", "is_not_empty"];
const choiceConditions: FilterCondition[] = ["is", "is_not", "is_empty", "is_not_empty"];
const numberConditions: FilterCondition[] = ["equals", "is_empty", "is_not_empty"];
const dateConditions: FilterCondition[] = ["equals", "is_before", "is_after", "is_empty", "is_not_empty"];
const timestampConditions: FilterCondition[] = ["is_before", "is_after"];

function field(
  key: string,
  name: string,
  type: FieldSchemaType,
  kind: ListValueKind,
  conditions: readonly FilterCondition[],
  flags: { sortable?: boolean; updatable?: boolean } = {},
): ListField {
  return {
    key,
    name,
    type,
    kind,
    conditions,
    sortable: flags.sortable ?? true,
    updatable: flags.updatable ?? true,
  };
}

const contactFields: readonly ListField[] = [
  field("email", "Email", "string", "email", textConditions),
  field("linkedin_url", "LinkedIn URL", "string", "linkedin", textConditions),
  field("first_name", "First Name", "string", "text", textConditions),
  field("last_name", "Last Name", "string", "text", textConditions),
  field("title", "Title", "string", "text", textConditions),
  field("phone_number", "Phone Number", "string", "text", textConditions),
  field("location", "Location", "string", "text", textConditions),
  field("do_not_contact", "Do Not Contact", "boolean", "boolean", ["is", "is_not"]),
  field("account_id", "Account", "uuid", "uuid", choiceConditions),
  // The domain of the contact's account, Monaco's `<relation>.<field>` form: filter-only, and
  // not writable through the contact.
  field("account.domain", "Account Domain", "string", "domain", ["equals", "is_empty", "is_not_empty"], {
    sortable: false,
    updatable: false,
  }),
  // A list cannot be ordered by; upserts append tags, so it is still writable.
  field("tags", "Tags", "array", "tag", choiceConditions, { sortable: false }),
  field("created_at", "Created At", "datetime", "datetime", timestampConditions, { updatable: false }),
  field("updated_at", "Updated At", "datetime", "datetime", timestampConditions, { updatable: false }),
];

const accountFields: readonly ListField[] = [
  field("name", "Name", "string", "text", textConditions),
  field("domain", "Domain", "string", "domain", textConditions),
  field("status", "Status", "string", "text", textConditions),
  field("linkedin_url", "LinkedIn URL", "string", "text", textConditions),
  field("employee_count", "Employee Count", "number", "number", numberConditions),
  field("founded_year", "Founded Year", "number", "number", numberConditions),
  field("created_at", "Created At", "datetime", "datetime", timestampConditions, { updatable: false }),
  field("updated_at", "Updated At", "datetime", "datetime", timestampConditions, { updatable: false }),
];

const conditionsByCustomFieldType: Record<string, readonly FilterCondition[]> = {
  string: textConditions,
  number: numberConditions,
  boolean: choiceConditions,
  date: dateConditions,
  enum: choiceConditions,
};

const kindByCustomFieldType: Record<string, ListValueKind> = {
  string: "text",
  number: "number",
  boolean: "boolean",
  date: "date",
  enum: "text",
};

function customListField(custom: CustomFieldDetails): ListField {
  const known = custom.type in conditionsByCustomFieldType;
  return {
    key: customFieldKeyOf(custom.id),
    name: custom.name,
    type: known ? (custom.type as FieldSchemaType) : "string",
    kind: kindByCustomFieldType[custom.type] ?? "text",
    // A type this code does not know accepts only null, so only emptiness can be asked about.
    conditions: conditionsByCustomFieldType[custom.type] ?? ["is_empty", "is_not_empty"],
    sortable: true,
    // Monaco: custom fields are always updatable.
    updatable: true,
    customField: custom,
  };
}

/**
 * Every field `POST /v1/{entity}/list` accepts, in the order `GET /v1/schemas/{entity}` shows
 * them: the built-in fields, then the org's custom fields of that entity in the order given.
 */
export function listFieldsOf(entity: ListEntity, customFields: readonly CustomFieldDetails[]): ListField[] {
  const builtIn = entity === "contacts" ? contactFields : accountFields;
  return [...builtIn, ...customFields.filter((custom) => custom.entity === entity).map(customListField)];
}
