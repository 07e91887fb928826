export {
  type ContactScalarField,
  type CustomFieldValue,
  contactScalarFields,
  type UpsertContactPayload,
} from "./contacts/upsert-payload";
