import { createTagRequestSchema, listTagsQuerySchema } from "@upsert/domain";
import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import {
  authenticatedErrors,
  dataResponse,
  errorResponses,
  itemEnvelope,
  jsonBodyErrors,
} from "./components";

/** Monaco's TagResponse, plus the object type the tag applies to. */
export const tagResponseSchema = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    color: z.string().nullable(),
    object: z.string().meta({ examples: ["contacts"] }),
  })
  .meta({ id: "TagResponse" });

export const tagEnvelope = itemEnvelope("PublicItemResponse_TagResponse_", tagResponseSchema);
export const tagListEnvelope = itemEnvelope(
  "PublicItemResponse_list_TagResponse__",
  z.array(tagResponseSchema),
);

export const tagsPaths: ZodOpenApiPathsObject = {
  "/v1/tags": {
    get: {
      operationId: "list_tags",
      tags: ["Tags"],
      summary: "List Tags",
      requestParams: { query: listTagsQuerySchema },
      responses: {
        "200": dataResponse("The organisation's tags", tagListEnvelope),
        ...errorResponses(422, ...authenticatedErrors),
      },
    },
    post: {
      operationId: "create_tag",
      tags: ["Tags"],
      summary: "Create a Tag",
      description: "Names are unique per object type regardless of case: a second one is a 409 `conflict`.",
      requestBody: {
        required: true,
        content: { "application/json": { schema: createTagRequestSchema.meta({ id: "TagCreateRequest" }) } },
      },
      responses: {
        "201": dataResponse("The tag, created", tagEnvelope),
        ...errorResponses(...jsonBodyErrors, 409, ...authenticatedErrors),
      },
    },
  },
};
