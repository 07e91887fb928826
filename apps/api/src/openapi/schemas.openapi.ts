import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { authenticatedErrors, dataResponse, errorResponses, itemEnvelope } from "./components";

const filterConditionSchema = z.enum([
  "is",
  "is_not",
  "equals",
  "contains",
  "not_contains",
  "is_empty",
  "is_not_empty",
  "is_before",
  "is_after",
]);

/** Monaco's FieldSchemaResponse. */
export const fieldSchemaResponseSchema = z
  .strictObject({
    name: z.string(),
    key: z.string(),
    type: z.enum(["string", "number", "boolean", "enum", "array", "date", "datetime", "uuid"]),
    filterable: z.boolean(),
    sortable: z.boolean(),
    updatable: z.boolean(),
    allowed_operators: z.array(filterConditionSchema),
    custom_field_settings: z.strictObject({ id: z.uuid(), is_ai_auto_filled: z.boolean() }).optional(),
    enum_field_settings: z
      .strictObject({
        allowed_values: z.array(z.strictObject({ key: z.string(), display_value: z.string() })),
      })
      .optional(),
  })
  .meta({ id: "FieldSchemaResponse" });

export const fieldSchemaListEnvelope = itemEnvelope(
  "PublicItemResponse_list_FieldSchemaResponse__",
  z.array(fieldSchemaResponseSchema),
);

export const schemasPaths: ZodOpenApiPathsObject = {
  "/v1/schemas/{entity}": {
    get: {
      operationId: "get_field_schemas_for_entity",
      tags: ["Schemas"],
      summary: "Get Field Schemas for an Entity",
      description: "The fields of `contacts`, custom fields included. Other entities are a 404.",
      requestParams: { path: z.object({ entity: z.string().meta({ examples: ["contacts"] }) }) },
      responses: {
        "200": dataResponse("The entity's fields", fieldSchemaListEnvelope),
        ...errorResponses(404, ...authenticatedErrors),
      },
    },
  },
};
