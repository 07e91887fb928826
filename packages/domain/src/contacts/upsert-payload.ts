/** A custom field value as accepted by the API. */
export type CustomFieldValue = string | number | boolean | null;

/**
 * The validated, normalised body of `PUT /v1/contacts`, as stored in the intake log.
 * A key that is absent leaves the field untouched; `null` clears it; a value sets it.
 * See docs/design.md for the form of each field.
 */
export interface UpsertContactPayload {
  email?: string | null;
  linkedin_url?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  title?: string | null;
  phone_number?: string | null;
  location?: string | null;
  account_id?: string | null;
  domain?: string | null;
  do_not_contact?: boolean | null;
  /** Tag ids to append: unique, lower-case, sorted. */
  tags?: string[];
  /** Keyed `custom_field_<lower-case uuid>`. */
  custom_fields?: Record<string, CustomFieldValue>;
}

/** Contact fields a request can write, in the order Monaco documents them. */
export const contactScalarFields = [
  "email",
  "linkedin_url",
  "first_name",
  "last_name",
  "title",
  "phone_number",
  "location",
  "do_not_contact",
] as const;
export type ContactScalarField = (typeof contactScalarFields)[number];
