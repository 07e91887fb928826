import type { CustomFieldDetails } from "../custom-fields/custom-field-response";
import {
  type FieldSchemaType,
  type FilterCondition,
  type ListEntity,
  type ListField,
  listFieldsOf,
} from "../lists/list-fields";

export type { FieldSchemaType, FilterCondition } from "../lists/list-fields";

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

function toFieldSchema(field: ListField): FieldSchema {
  const custom = field.customField;
  return {
    name: field.name,
    key: field.key,
    type: field.type,
    filterable: field.conditions.length > 0,
    sortable: field.sortable,
    updatable: field.updatable,
    allowed_operators: [...field.conditions],
    ...(custom ? { custom_field_settings: { id: custom.id, is_ai_auto_filled: false } } : {}),
    ...(custom?.type === "enum"
      ? {
          enum_field_settings: {
            allowed_values: custom.options.map((option) => ({ key: option, display_value: option })),
          },
        }
      : {}),
  };
}

/**
 * `GET /v1/schemas/{entity}`: exactly the fields, conditions and sortability `POST /v1/{entity}/list`
 * accepts, read from the same definition (listFieldsOf).
 */
export function listFieldSchemas(
  entity: ListEntity,
  customFields: readonly CustomFieldDetails[],
): FieldSchema[] {
  return listFieldsOf(entity, customFields).map(toFieldSchema);
}

/** `GET /v1/schemas/contacts`. */
export function listContactFieldSchemas(customFields: readonly CustomFieldDetails[]): FieldSchema[] {
  return listFieldSchemas("contacts", customFields);
}
