import { createCustomFieldRequestSchema } from "@upsert/domain";
import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import {
  authenticatedErrors,
  dataResponse,
  errorResponses,
  itemEnvelope,
  jsonBodyErrors,
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

export const customFieldsPaths: ZodOpenApiPathsObject = {
  "/v1/custom-fields": {
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
};
