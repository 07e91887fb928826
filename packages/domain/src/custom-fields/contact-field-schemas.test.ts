import { describe, expect, it } from "vitest";
import { listContactFieldSchemas } from "./contact-field-schemas";
import type { CustomFieldDetails } from "./custom-field-response";

const monacoConditions = [
  "is",
  "is_not",
  "equals",
  "contains",
  "not_contains",
  "is_empty",
  "is_not_empty",
  "is_before",
  "is_after",
];

function buildField(overrides: Partial<CustomFieldDetails>): CustomFieldDetails {
  return {
    id: "0191f0c2-0000-7000-8000-00000000000a",
    entity: "contacts",
    name: "Tier",
    type: "string",
    options: [],
    createdAt: new Date(0),
    ...overrides,
  };
}

describe("listContactFieldSchemas", () => {
  it("lists the built-in contact fields in Monaco's order", () => {
    expect(listContactFieldSchemas([]).map((f) => f.key)).toEqual([
      "email",
      "linkedin_url",
      "first_name",
      "last_name",
      "title",
      "phone_number",
      "location",
      "do_not_contact",
      "account_id",
      "account.domain",
      "tags",
      "created_at",
      "updated_at",
    ]);
  });

  it("uses only Monaco's filter conditions, and marks timestamps read-only", () => {
    const fields = listContactFieldSchemas([
      buildField({ type: "date" }),
      buildField({ id: "x", type: "enum" }),
    ]);
    for (const field of fields) {
      expect(field.allowed_operators.length).toBeGreaterThan(0);
      for (const op of field.allowed_operators) expect(monacoConditions).toContain(op);
    }
    const byKey = new Map(fields.map((f) => [f.key, f]));
    expect(byKey.get("created_at")).toMatchObject({ type: "datetime", updatable: false, sortable: true });
    expect(byKey.get("email")).toMatchObject({ type: "string", updatable: true, filterable: true });
    expect(byKey.get("tags")).toMatchObject({ type: "array", sortable: false });
    expect(byKey.get("account_id")?.type).toBe("uuid");
    expect(byKey.get("do_not_contact")?.allowed_operators).toEqual(["is", "is_not"]);
  });

  it("describes an enum custom field with its settings and allowed values", () => {
    const id = "0191f0c2-0000-7000-8000-00000000000b";
    const [field] = listContactFieldSchemas([
      buildField({ id, type: "enum", options: ["gold", "silver"] }),
    ]).slice(-1);
    expect(field).toEqual({
      name: "Tier",
      key: `custom_field_${id}`,
      type: "enum",
      filterable: true,
      sortable: true,
      updatable: true,
      allowed_operators: ["is", "is_not", "is_empty", "is_not_empty"],
      custom_field_settings: { id, is_ai_auto_filled: false },
      enum_field_settings: {
        allowed_values: [
          { key: "gold", display_value: "gold" },
          { key: "silver", display_value: "silver" },
        ],
      },
    });
  });

  it("gives non-enum custom fields no enum settings and keeps their order", () => {
    const fields = listContactFieldSchemas([
      buildField({ id: "a", name: "Score", type: "number" }),
      buildField({ id: "b", name: "Met", type: "date" }),
    ]).slice(-2);
    expect(fields.map((f) => [f.key, f.type])).toEqual([
      ["custom_field_a", "number"],
      ["custom_field_b", "date"],
    ]);
    expect(fields.every((f) => f.enum_field_settings === undefined)).toBe(true);
    expect(fields[1]?.allowed_operators).toContain("is_before");
  });

  it("leaves out fields of other entities", () => {
    expect(listContactFieldSchemas([buildField({ entity: "accounts" })])).toHaveLength(13);
  });
});
