import { createCustomFieldRequestSchema, listCustomFieldsQuerySchema } from "@upsert/domain";
import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import {
  authenticatedErrors,
  dataResponse,
  errorResponses,
  itemEnvelope,
  jsonBodyErrors,
  noContentResponse,
  pathId,
} from "./components";

export const customFieldResponseSchema = z
  .strictObject({
    id: z.uuid(),
    key: z.string().meta({ description: "Where values are written and read: `custom_field_<id>`" }),
    entity: z.string().meta({ examples: ["contacts"] }),
    name: z.string(),
    type: z.enum(["string", "number", "boolean", "date", "enum"]),
    options: z.array(z.string()),
    created_at: z.iso.datetime(),
  })
  .meta({ id: "CustomFieldResponse" });

export const customFieldEnvelope = itemEnvelope(
  "PublicItemResponse_CustomFieldResponse_",
  customFieldResponseSchema,
);

const customFieldListEnvelope = itemEnvelope(
  "PublicItemResponse_list_CustomFieldResponse__",
  z.array(customFieldResponseSchema),
);

export const customFieldsPaths: ZodOpenApiPathsObject = {
  "/v1/custom-fields": {
    get: {
      operationId: "list_custom_fields",
      tags: ["Custom fields"],
      summary: "List Custom Fields",
      description: "The organisation's custom fields (of one entity, with `entity`), oldest first.",
      requestParams: { query: listCustomFieldsQuerySchema },
      responses: {
        "200": dataResponse("The organisation's custom fields", customFieldListEnvelope),
        ...errorResponses(422, ...authenticatedErrors),
      },
    },
    post: {
      operationId: "create_custom_field",
      tags: ["Custom fields"],
      summary: "Create a Custom Field",
      description:
        "Defines a custom field; contacts then take values under its `key`. Enum fields list their `options`. Names are unique per entity (409 `conflict`).",
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: createCustomFieldRequestSchema.meta({ id: "CustomFieldCreateRequest" }),
          },
        },
      },
      responses: {
        "201": dataResponse("The custom field, created", customFieldEnvelope),
        ...errorResponses(...jsonBodyErrors, 409, ...authenticatedErrors),
      },
    },
  },
  "/v1/custom-fields/{custom_field_id}": {
    get: {
      operationId: "get_custom_field",
      tags: ["Custom fields"],
      summary: "Get a Custom Field",
      requestParams: { path: pathId("custom_field_id", "The custom field's id") },
      responses: {
        "200": dataResponse("The custom field", customFieldEnvelope),
        ...errorResponses(404, ...authenticatedErrors),
      },
    },
    delete: {
      operationId: "delete_custom_field",
      tags: ["Custom fields"],
      summary: "Delete a Custom Field",
      description: "Deletes a custom field and its values on every contact.",
      requestParams: { path: pathId("custom_field_id", "The custom field's id") },
      responses: {
        "204": noContentResponse("Custom field deleted, with its values"),
        ...errorResponses(404, ...authenticatedErrors),
      },
    },
  },
};
