import type { CustomFieldDefinition } from "../contacts/contact-record";

/** A custom field definition as read from storage. */
export interface CustomFieldDetails extends CustomFieldDefinition {
  name: string;
  createdAt: Date;
}

export interface CustomFieldResponse {
  id: string;
  /** The key values are written and read under, on upserts and contact responses. */
  key: string;
  entity: string;
  name: string;
  type: string;
  options: string[];
  created_at: string;
}

/** `custom_field_<uuid>`: how a field's values are keyed in requests and responses. */
export function customFieldKeyOf(id: string): `custom_field_${string}` {
  return `custom_field_${id}`;
}

export function toCustomFieldResponse(field: CustomFieldDetails): CustomFieldResponse {
  return {
    id: field.id,
    key: customFieldKeyOf(field.id),
    entity: field.entity,
    name: field.name,
    type: field.type,
    options: [...field.options],
    created_at: field.createdAt.toISOString(),
  };
}
