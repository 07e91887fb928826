import { createTagRequestSchema, listTagsQuerySchema, updateTagRequestSchema } from "@upsert/domain";
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
        "200": dataResponse("The tag, created (200, as Monaco answers)", tagEnvelope),
        ...errorResponses(...jsonBodyErrors, 409, ...authenticatedErrors),
      },
    },
  },
  "/v1/tags/{tag_id}": {
    get: {
      operationId: "get_tag",
      tags: ["Tags"],
      summary: "Get a Tag",
      requestParams: { path: pathId("tag_id", "The tag's id") },
      responses: {
        "200": dataResponse("The tag", tagEnvelope),
        ...errorResponses(404, ...authenticatedErrors),
      },
    },
    patch: {
      operationId: "update_tag",
      tags: ["Tags"],
      summary: "Update a Tag",
      description:
        "Renames and/or recolours a tag. `name: null` keeps the name, `color: null` removes the color; the object type cannot be changed. A name another tag of the same object has (in any case) is a 409 `conflict`.",
      requestParams: { path: pathId("tag_id", "The tag's id") },
      requestBody: {
        required: true,
        content: { "application/json": { schema: updateTagRequestSchema.meta({ id: "TagUpdateRequest" }) } },
      },
      responses: {
        "200": dataResponse("The tag, updated", tagEnvelope),
        ...errorResponses(...jsonBodyErrors, 404, 409, ...authenticatedErrors),
      },
    },
    delete: {
      operationId: "delete_tag",
      tags: ["Tags"],
      summary: "Delete a Tag",
      description: "Deletes a tag; it is removed from every contact it was applied to.",
      requestParams: { path: pathId("tag_id", "The tag's id") },
      responses: {
        "204": noContentResponse("Tag deleted"),
        ...errorResponses(404, ...authenticatedErrors),
      },
    },
  },
};
