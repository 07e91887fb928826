import { type CustomFieldDetails, customFieldKeyOf } from "./custom-field-response";

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
export type FilterCondition =
  | "is"
  | "is_not"
  | "equals"
  | "contains"
  | "not_contains"
  | "is_empty"
  | "is_not_empty"
  | "is_before"
  | "is_after";

export interface EnumValueOption {
  key: string;
  display_value: string;
}

/** Monaco's FieldSchemaResponse; the two settings objects appear only where they apply. */
export interface FieldSchema {
  name: string;
  key: string;
  type: FieldSchemaType;
  filterable: boolean;
  sortable: boolean;
  updatable: boolean;
  allowed_operators: FilterCondition[];
  custom_field_settings?: { id: string; is_ai_auto_filled: boolean };
  enum_field_settings?: { allowed_values: EnumValueOption[] };
}

// Conditions by kind of value. Nullable fields add the emptiness checks; `do_not_contact`,
// `created_at` and `updated_at` always hold a value, so they do not.
const textConditions: FilterCondition[] = ["equals", "contains", "not_contains", "is_empty", "is_not_empty"];
const choiceConditions: FilterCondition[] = ["is", "is_not", "is_empty", "is_not_empty"];
const numberConditions: FilterCondition[] = ["equals", "is_empty", "is_not_empty"];
const dateConditions: FilterCondition[] = ["equals", "is_before", "is_after", "is_empty", "is_not_empty"];

function builtIn(
  key: string,
  name: string,
  type: FieldSchemaType,
  allowedOperators: FilterCondition[],
  flags: { sortable?: boolean; updatable?: boolean } = {},
): FieldSchema {
  return {
    name,
    key,
    type,
    filterable: true,
    sortable: flags.sortable ?? true,
    updatable: flags.updatable ?? true,
    allowed_operators: [...allowedOperators],
  };
}

/** The fields every contact has, in the order Monaco documents them. Fresh objects per call. */
function builtInContactFields(): FieldSchema[] {
  return [
    builtIn("email", "Email", "string", textConditions),
    builtIn("linkedin_url", "LinkedIn URL", "string", textConditions),
    builtIn("first_name", "First Name", "string", textConditions),
    builtIn("last_name", "Last Name", "string", textConditions),
    builtIn("title", "Title", "string", textConditions),
    builtIn("phone_number", "Phone Number", "string", textConditions),
    builtIn("location", "Location", "string", textConditions),
    builtIn("do_not_contact", "Do Not Contact", "boolean", ["is", "is_not"]),
    builtIn("account_id", "Account", "uuid", choiceConditions),
    // A list cannot be ordered by; upserts append tags, so it is still writable.
    builtIn("tags", "Tags", "array", choiceConditions, { sortable: false }),
    builtIn("created_at", "Created At", "datetime", ["is_before", "is_after"], { updatable: false }),
    builtIn("updated_at", "Updated At", "datetime", ["is_before", "is_after"], { updatable: false }),
  ];
}

const conditionsByCustomFieldType: Record<string, FilterCondition[]> = {
  string: textConditions,
  number: numberConditions,
  boolean: choiceConditions,
  date: dateConditions,
  enum: choiceConditions,
};

function toCustomFieldSchema(field: CustomFieldDetails): FieldSchema {
  const type: FieldSchemaType =
    field.type === "number" || field.type === "boolean" || field.type === "date" || field.type === "enum"
      ? field.type
      : "string";
  return {
    name: field.name,
    key: customFieldKeyOf(field.id),
    type,
    filterable: true,
    sortable: true,
    // Monaco: custom fields are always updatable.
    updatable: true,
    // A type this code does not know accepts only null, so only emptiness can be asked about.
    allowed_operators: [...(conditionsByCustomFieldType[field.type] ?? ["is_empty", "is_not_empty"])],
    custom_field_settings: { id: field.id, is_ai_auto_filled: false },
    ...(field.type === "enum"
      ? {
          enum_field_settings: {
            allowed_values: field.options.map((option) => ({ key: option, display_value: option })),
          },
        }
      : {}),
  };
}

/**
 * `GET /v1/schemas/contacts`: the built-in contact fields, then the org's contact custom fields
 * in the order given.
 */
export function listContactFieldSchemas(customFields: readonly CustomFieldDetails[]): FieldSchema[] {
  return [
    ...builtInContactFields(),
    ...customFields.filter((field) => field.entity === "contacts").map(toCustomFieldSchema),
  ];
}
